package localrun

import (
	"log/slog"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/world"
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
// Runner of the committed definitions whose steps call it from region.
func Simulate(region string, log *slog.Logger, onEvent func(Event), opts ...world.Option) (*Simulation, error) {
	c := clock.NewVirtual(world.Epoch)
	cloud := sim.New(append([]world.Option{world.WithClock(c)}, opts...)...)
	r, err := New(Config{
		AWS:         cloud.Config(region),
		Clock:       c,
		Definitions: definition.All(),
		Steps:       Steps,
		Log:         log,
		OnEvent:     onEvent,
	})
	if err != nil {
		return nil, err
	}
	return &Simulation{Runner: r, Cloud: cloud, Clock: c}, nil
}
