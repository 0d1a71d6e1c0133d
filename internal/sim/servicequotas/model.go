// Package servicequotas is the simulated Service Quotas: the quotas
// GeuseMaker's preflight reads (On-Demand vCPUs per instance family, ALBs,
// CloudFront distributions, EFS file systems, security groups and their
// rules), with AWS's default values and the values applied to the
// simulated account, per region.
//
// As in AWS, GetServiceQuota answers only quotas with an applied value
// (the EC2 vCPU quotas always have one; others only once a test applies a
// value), and NoSuchResourceException otherwise, so a caller falls back to
// GetAWSDefaultServiceQuota. Quotas of global services (CloudFront) are
// served from us-east-1 only.
//
// It imports account and the SDK's Service Quotas types; never another
// service model, steps or engine.
package servicequotas

import (
	"fmt"
	"slices"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/servicequotas"

	"geusemaker/internal/sim/account"
)

// ServiceID is the SDK's service id, "Service Quotas".
const ServiceID = sdk.ServiceID

// globalRegion is where Service Quotas serves the quotas of global services.
const globalRegion = "us-east-1"

// Service codes of the quotas modeled.
const (
	ServiceEC2        = "ec2"
	ServiceELB        = "elasticloadbalancing"
	ServiceCloudFront = "cloudfront"
	ServiceEFS        = "elasticfilesystem"
	ServiceVPC        = "vpc"
)

// Quota codes of the quotas modeled (Service Quotas console and
// ListAWSDefaultServiceQuotas).
const (
	// CodeStandardVCPUs is "Running On-Demand Standard (A, C, D, H, I, M,
	// R, T, Z) instances", in vCPUs.
	CodeStandardVCPUs = "L-1216C47A"
	// CodeGVCPUs is "Running On-Demand G and VT instances", in vCPUs.
	CodeGVCPUs = "L-DB2E81BA"
	// CodePVCPUs is "Running On-Demand P instances", in vCPUs.
	CodePVCPUs = "L-417A185B"
	// CodeALBs is "Application Load Balancers per Region".
	CodeALBs = "L-53DA6B97"
	// CodeDistributions is "Web distributions per AWS account" (global).
	CodeDistributions = "L-24B04930"
	// CodeFileSystems is "File systems per account" (per region).
	CodeFileSystems = "L-848C634D"
	// CodeSecurityGroups is "VPC security groups per Region".
	CodeSecurityGroups = "L-E79EC296"
	// CodeRulesPerGroup is "Inbound or outbound rules per security group".
	CodeRulesPerGroup = "L-0EA8095F"
)

// quota is one row of the catalogue.
type quota struct {
	service, serviceName, code, name string
	// def is AWS's default value (GetAWSDefaultServiceQuota).
	def float64
	// applied is the simulated account's applied value when AWS always
	// reports one (the EC2 vCPU quotas); nil means none until set.
	applied *float64
	global  bool
}

func value(v float64) *float64 { return &v }

// catalogue holds the modeled quotas. Defaults are AWS's for a new
// account (vCPU quotas of GPU families start at 0); the applied vCPU values
// are those of an established account that was granted a few GPUs: 64
// standard vCPUs, 16 G/VT vCPUs (four g4dn.xlarge), no P instances.
var catalogue = []quota{
	{service: ServiceEC2, serviceName: "Amazon Elastic Compute Cloud (Amazon EC2)", code: CodeStandardVCPUs,
		name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", def: 5, applied: value(64)},
	{service: ServiceEC2, serviceName: "Amazon Elastic Compute Cloud (Amazon EC2)", code: CodeGVCPUs,
		name: "Running On-Demand G and VT instances", def: 0, applied: value(16)},
	{service: ServiceEC2, serviceName: "Amazon Elastic Compute Cloud (Amazon EC2)", code: CodePVCPUs,
		name: "Running On-Demand P instances", def: 0, applied: value(0)},
	{service: ServiceELB, serviceName: "Elastic Load Balancing (ELB)", code: CodeALBs,
		name: "Application Load Balancers per Region", def: 50},
	{service: ServiceCloudFront, serviceName: "Amazon CloudFront", code: CodeDistributions,
		name: "Web distributions per AWS account", def: 200, global: true},
	{service: ServiceEFS, serviceName: "Amazon Elastic File System (EFS)", code: CodeFileSystems,
		name: "File systems per account", def: 1000},
	{service: ServiceVPC, serviceName: "Amazon Virtual Private Cloud (Amazon VPC)", code: CodeSecurityGroups,
		name: "VPC security groups per Region", def: 2500},
	{service: ServiceVPC, serviceName: "Amazon Virtual Private Cloud (Amazon VPC)", code: CodeRulesPerGroup,
		name: "Inbound or outbound rules per security group", def: 60},
}

// key names an applied value: region, service code, quota code.
type key struct{ region, service, code string }

// Model is the simulated Service Quotas of one account. Its state is
// guarded by the account's lock.
type Model struct {
	w       *account.Account
	applied map[key]float64
}

// Register adds the simulated Service Quotas to w and returns it.
func Register(w *account.Account) *Model {
	m := &Model{w: w, applied: map[key]float64{}}
	w.Register(m)
	w.Quota = m.limit
	return m
}

// limit is the value a create operation enforces: the applied value, else
// AWS's default. Callers hold the account's lock.
func (m *Model) limit(region, service, code string) float64 {
	q, err := lookup(service, code)
	if err != nil {
		panic(fmt.Sprintf("servicequotas: %s %s is not in the catalogue", service, code))
	}
	if q.global {
		region = globalRegion
	}
	if v, ok := m.appliedValue(region, q); ok {
		return v
	}
	return q.def
}

// ServiceID returns "Service Quotas".
func (m *Model) ServiceID() string { return ServiceID }

// Inventory is empty: quotas are not resources a deployment creates.
func (m *Model) Inventory(time.Time) []account.Resource { return nil }

// SetApplied sets the applied value of a quota in region, as an approved
// increase (or an organization's lower limit) would: tests use it to make
// a deployment exceed a quota. A global quota is set in us-east-1 whatever
// region is given.
func (m *Model) SetApplied(region, service, code string, v float64) {
	m.w.Do(func() {
		q, err := lookup(service, code)
		if err != nil {
			panic(fmt.Sprintf("servicequotas: SetApplied: %v", err))
		}
		if q.global {
			region = globalRegion
		}
		m.applied[key{region, service, code}] = v
	})
}

// lookup finds a quota of the catalogue.
func lookup(service, code string) (quota, error) {
	if !slices.ContainsFunc(catalogue, func(q quota) bool { return q.service == service }) {
		return quota{}, errNoSuchService()
	}
	i := slices.IndexFunc(catalogue, func(q quota) bool { return q.service == service && q.code == code })
	if i < 0 {
		return quota{}, errNoSuchQuota()
	}
	return catalogue[i], nil
}

// appliedValue is the applied value of q in region, if there is one.
func (m *Model) appliedValue(region string, q quota) (float64, bool) {
	if v, ok := m.applied[key{region, q.service, q.code}]; ok {
		return v, true
	}
	if q.applied != nil {
		return *q.applied, true
	}
	return 0, false
}
