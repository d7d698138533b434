/** graphile-worker crontab (UTC). */
export const crontab = [
  "* * * * * kick-sending ?max=1",
  "* * * * * sync-airtable ?max=1&queue=airtable",
  "* * * * * fold-events ?max=1&queue=fold",
  "* * * * * fetch-sms-prices ?max=1&queue=sms-prices",
  "15 3 * * * maintain-partitions ?max=3",
].join("\n");
