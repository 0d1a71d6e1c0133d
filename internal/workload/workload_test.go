package workload_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/workload"
)

func TestGeneratedSecretMeetsN8nPasswordRulesAndRoundTrips(t *testing.T) {
	for range 20 {
		s, err := workload.Generate()
		require.NoError(t, err)
		p := s.N8NOwnerPassword
		assert.Len(t, p, 32)
		assert.True(t, strings.ContainsFunc(p, unicode.IsUpper), p)
		assert.True(t, strings.ContainsFunc(p, unicode.IsDigit), p)
		assert.Len(t, s.APIKey, 48)
		assert.NotEqual(t, s.APIKey, s.PostgresPassword)
		back, err := workload.ParseSecret(s.JSON())
		require.NoError(t, err)
		assert.Equal(t, s, back)
	}
}

func TestSecretNeverFormatsItsValues(t *testing.T) {
	s, err := workload.Generate()
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
		for _, v := range s.Values() {
			assert.NotContains(t, out, v)
		}
	}
}

func TestParseSecretNamesEveryMissingField(t *testing.T) {
	_, err := workload.ParseSecret(`{"n8n_owner_email":"a@b.c","api_key":"k"}`)
	require.Error(t, err)
	assert.Equal(t, "the secret lacks [n8n_owner_password postgres_password]", err.Error())
	_, err = workload.ParseSecret("not json")
	assert.EqualError(t, err, "the secret is not the workload's JSON object")
}

func TestNewSecretFailsWhenRandomnessRunsOut(t *testing.T) {
	_, err := workload.NewSecret(bytes.NewReader(make([]byte, 10)))
	assert.ErrorContains(t, err, "draw a secret value")
}

func TestRoutesAreUnderTheirPrefix(t *testing.T) {
	for _, r := range workload.Routes() {
		assert.True(t, strings.HasPrefix(r.Probe, r.Prefix), r)
	}
	assert.Equal(t, "Bearer k", workload.Authorization("k"))
}
