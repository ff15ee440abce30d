package reconcile

// DumpFixture is the observed state the dump tests start from, for the
// external tests (which may import the providers).
var DumpFixture = dumpFixture
