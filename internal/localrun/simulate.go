package localrun

import (
	"time"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
	"geusemaker/statemachine/definition"
)

// Simulation is a Runner wired to a simulated AWS account on a virtual
// clock.
type Simulation struct {
	*Runner
	Cloud *sim.Cloud
	Clock *clock.Virtual
}

// Simulate builds a simulated account (with opts: faults, latencies) and a
// Runner of the committed definitions whose steps call it from region. cfg
// gives the optional hooks (Log, OnEvent, OnTask, AtLeastOnce); Simulate
// fills in the rest.
func Simulate(region string, cfg Config, opts ...account.Option) (*Simulation, error) {
	c := clock.NewVirtual(account.Epoch)
	cloud := sim.New(append([]account.Option{account.WithClock(c), account.WithPartition(account.PartitionOf(region))}, opts...)...)
	// What the backend's stack puts in the account for its region.
	cloud.IAM.PlantPolicy(contract.BoundaryPath, contract.BoundaryName(region), contract.BoundaryDocument(account.PartitionOf(region)))
	if err := cloud.SSM.PlantDocument(contract.GPUCheckDocument, contract.GPUCheckDocumentContent()); err != nil {
		return nil, err
	}
	cfg.AWS = cloud.Config(region)
	cfg.Clock = c
	cfg.Definitions = definition.All()
	// The smoke test's requests are answered by the simulated account.
	cfg.Steps = StepsWith(cloud.HTTPClient(region))
	r, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Simulation{Runner: r, Cloud: cloud, Clock: c}, nil
}

// settleWindow covers the deletions AWS finishes by itself once accepted:
// an EFS file system deleting (seconds), an instance shutting down (about
// a minute), a deleted load balancer's interfaces (3 minutes).
const settleWindow = 10 * time.Minute

// Leftovers lets the simulated clock run until the deletions already
// accepted have finished, then lists what is still alive. Time passing
// completes deletions; it never removes a resource nobody deleted.
func (s *Simulation) Leftovers() []account.Resource {
	s.Clock.Advance(settleWindow)
	return s.Cloud.Inventory()
}
