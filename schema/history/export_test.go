package history

// ScanRoleRefsForTest exposes scanRoleRefs to the external test package.
var ScanRoleRefsForTest = scanRoleRefs
