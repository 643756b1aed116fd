/**
 * Where each AWS region is (the city its data centres are named after, or
 * the nearest one), for nearest-region client mapping. Regions default their
 * `location` from their `aws` code through this table, so a policy needs no
 * coordinates of its own. All commercial regions, plus China and GovCloud.
 * Precision of a city is plenty: the map compares distances of hundreds to
 * thousands of kilometres.
 */

/** A point on the globe in degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** AWS region code → location (degrees). */
export const AWS_REGION_LOCATIONS: Readonly<Record<string, LatLon>> = {
  'us-east-1': { lat: 39.04, lon: -77.49 }, // N. Virginia (Ashburn)
  'us-east-2': { lat: 39.96, lon: -83.0 }, // Ohio (Columbus)
  'us-west-1': { lat: 37.34, lon: -121.89 }, // N. California (San Jose)
  'us-west-2': { lat: 45.84, lon: -119.7 }, // Oregon (Boardman)
  'af-south-1': { lat: -33.92, lon: 18.42 }, // Cape Town
  'ap-east-1': { lat: 22.32, lon: 114.17 }, // Hong Kong
  'ap-east-2': { lat: 25.03, lon: 121.57 }, // Taipei
  'ap-south-1': { lat: 19.08, lon: 72.88 }, // Mumbai
  'ap-south-2': { lat: 17.39, lon: 78.49 }, // Hyderabad
  'ap-southeast-1': { lat: 1.35, lon: 103.82 }, // Singapore
  'ap-southeast-2': { lat: -33.87, lon: 151.21 }, // Sydney
  'ap-southeast-3': { lat: -6.21, lon: 106.85 }, // Jakarta
  'ap-southeast-4': { lat: -37.81, lon: 144.96 }, // Melbourne
  'ap-southeast-5': { lat: 3.14, lon: 101.69 }, // Malaysia (Kuala Lumpur)
  'ap-southeast-6': { lat: -36.85, lon: 174.76 }, // New Zealand (Auckland)
  'ap-southeast-7': { lat: 13.76, lon: 100.5 }, // Thailand (Bangkok)
  'ap-northeast-1': { lat: 35.68, lon: 139.77 }, // Tokyo
  'ap-northeast-2': { lat: 37.57, lon: 126.98 }, // Seoul
  'ap-northeast-3': { lat: 34.69, lon: 135.5 }, // Osaka
  'ca-central-1': { lat: 45.5, lon: -73.57 }, // Canada (Montréal)
  'ca-west-1': { lat: 51.05, lon: -114.07 }, // Calgary
  'cn-north-1': { lat: 39.9, lon: 116.4 }, // Beijing
  'cn-northwest-1': { lat: 37.5, lon: 105.19 }, // Ningxia (Zhongwei)
  'eu-central-1': { lat: 50.11, lon: 8.68 }, // Frankfurt
  'eu-central-2': { lat: 47.38, lon: 8.54 }, // Zurich
  'eu-west-1': { lat: 53.35, lon: -6.26 }, // Ireland (Dublin)
  'eu-west-2': { lat: 51.51, lon: -0.13 }, // London
  'eu-west-3': { lat: 48.86, lon: 2.35 }, // Paris
  'eu-north-1': { lat: 59.33, lon: 18.07 }, // Stockholm
  'eu-south-1': { lat: 45.46, lon: 9.19 }, // Milan
  'eu-south-2': { lat: 41.65, lon: -0.88 }, // Spain (Zaragoza)
  'il-central-1': { lat: 32.09, lon: 34.78 }, // Tel Aviv
  'me-central-1': { lat: 25.2, lon: 55.27 }, // UAE (Dubai)
  'me-south-1': { lat: 26.07, lon: 50.56 }, // Bahrain
  'mx-central-1': { lat: 20.59, lon: -100.39 }, // Mexico (Querétaro)
  'sa-east-1': { lat: -23.55, lon: -46.63 }, // São Paulo
  'us-gov-east-1': { lat: 39.96, lon: -83.0 }, // GovCloud (US-East), Ohio
  'us-gov-west-1': { lat: 45.6, lon: -121.18 }, // GovCloud (US-West), Oregon
};

const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle distance in km (haversine). */
export function greatCircleKm(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
