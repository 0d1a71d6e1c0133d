package storage

// PollTiming exposes pollTiming to the external tests.
var PollTiming = pollTiming
