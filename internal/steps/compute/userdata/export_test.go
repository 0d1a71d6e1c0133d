package userdata

// Exported for the tests of the quoting and of the GPU sections.
var (
	ShellQuote = shellQuote
	Sections   = sections
)
