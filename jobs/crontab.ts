/** graphile-worker crontab (UTC). */
export const crontab = [
  "* * * * * kick-sending ?max=1",
  "15 3 * * * maintain-partitions ?max=3",
].join("\n");
