export function StatusBadge({ status }: { status: string }) {
  const s = status.toLowerCase();
  return <span className={`badge badge-${s}`}>{s}</span>;
}
