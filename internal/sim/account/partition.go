package account

import "strings"

// PartitionOf is the AWS partition of a region, the second field of every
// ARN there: aws-cn for the China regions, aws-us-gov for GovCloud, aws
// elsewhere ("Amazon Resource Names (ARNs)", IAM user guide).
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// WithPartition sets the account's partition (default aws): the ARNs of
// its global resources (IAM, CloudFront) carry it.
func WithPartition(p string) Option { return func(w *Account) { w.partition = p } }

// Partition is the account's partition.
func (w *Account) Partition() string {
	if w.partition == "" {
		return "aws"
	}
	return w.partition
}
