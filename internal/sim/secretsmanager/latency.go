package secretsmanager

import "time"

// LatencyForceDelete is how long a secret deleted with
// ForceDeleteWithoutRecovery keeps existing (described with a DeletedDate,
// its name taken): the deletion is asynchronous (DeleteSecret, API
// reference). AWS gives no figure; seconds is what users report, and a
// create that meets it must wait and retry (unverified assumption).
const LatencyForceDelete = "secretsmanager.force_delete"

const defaultForceDelete = 10 * time.Second

// Defaults returns every latency of the simulated Secrets Manager by name,
// with its default.
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{LatencyForceDelete: defaultForceDelete}
}
