// The legacy importer lives in server/stats/legacy/ (decision 016); this keeps the old import path working.
export { importLegacyDailyStats, type LegacyImportOptions, type LegacyReport } from "./legacy/import";
export { parseMapFile, type MapEntry } from "./legacy/plan";
