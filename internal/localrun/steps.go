package localrun

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/cdn"
	"geusemaker/internal/steps/compute"
	"geusemaker/internal/steps/finalize"
	"geusemaker/internal/steps/firewall"
	"geusemaker/internal/steps/identity"
	"geusemaker/internal/steps/loadbalancer"
	"geusemaker/internal/steps/network"
	"geusemaker/internal/steps/storage"
	"geusemaker/internal/steps/validate"
)

// Steps are the step Lambdas by name, built as lambdas/<name>/main.go
// builds them.
var Steps = map[string]lambdaio.Builder{
	"validate":     lambdaio.Step(validate.New),
	"network":      lambdaio.Step(network.New),
	"firewall":     lambdaio.Step(firewall.New),
	"storage":      lambdaio.Step(storage.New),
	"identity":     lambdaio.Step(identity.New),
	"compute":      lambdaio.Step(compute.New),
	"loadbalancer": lambdaio.Step(loadbalancer.New),
	"cdn":          lambdaio.Step(cdn.New),
	"finalize":     lambdaio.Step(finalize.New),
}
