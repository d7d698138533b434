/** graphile-worker crontab (UTC). */
export const crontab = [
  "15 3 * * * maintain-partitions ?max=3",
].join("\n");
