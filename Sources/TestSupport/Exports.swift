// Tests use the request generators alongside the servers and helpers here.
@_exported import OTLPSamples
