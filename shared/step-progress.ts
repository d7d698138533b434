/** One step of a run: its emails by outcome (the campaign and run pages' per-step progress). */
export interface StepProgress {
  stepNumber: number;
  total: number;
  sent: number;
  failed: number;
  /** pending, paused or sending */
  waiting: number;
}
