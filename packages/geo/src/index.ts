export { GeoError, type GeoErrorCode } from './errors.js';
export { openMmdb, recordLocation, type GeoDatabase } from './mmdb-records.js';
export { databasePathFor, embeddedDatabasePath, openDatabase, EMBEDDED_DATABASE } from './database.js';
export { compileClientMapSync, databaseRecords, type CompiledClientMap } from './compile.js';
export { loadClientMap } from './background.js';
export { cacheDir, cacheKey, placementInputs, COMPILER_VERSION } from './map-cache.js';
export { COUNTRY_LOCATIONS, COUNTRY_DATA_VERSION } from './country-locations.js';
export { watchDatabase } from './watch.js';
