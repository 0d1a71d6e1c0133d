package iam

// FileSystemARN exposes fileSystemARN to the external tests.
var FileSystemARN = fileSystemARN
