; gdnsd zone for the bench; cdn is answered by the geoip plugin.
$TTL 300
@       SOA ns1 hostmaster 1 3600 600 1209600 60
@       NS  ns1
ns1     A   127.0.0.53
cdn     {{SERVICE_TTL}} DYNA geoip!cdn
