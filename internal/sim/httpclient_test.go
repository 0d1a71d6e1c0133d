package sim_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim"
	"geusemaker/internal/sim/internet"
)

func TestHTTPClientIsAnsweredByTheAccount(t *testing.T) {
	c := sim.New()
	resp, err := c.HTTPClient("eu-west-1").Get("http://3.80.0.9/healthz")
	if resp != nil {
		resp.Body.Close()
	}
	var ce *internet.ConnError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Equal(t, internet.CodeTimeout, ce.Code, "no instance holds the address")
	calls := c.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, [3]string{internet.ServiceID, http.MethodGet, "eu-west-1"}, [3]string{calls[0].Service, calls[0].Operation, calls[0].Region})
}
