package localrun_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cf "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/workload"
)

// secured is a deployment whose logs are kept, to grep them for secrets.
type secured struct {
	*run
	logs *bytes.Buffer
}

func deploySecured(t *testing.T, file string, tamper func([]byte) []byte) *secured {
	t.Helper()
	return deploySecuredIn(t, file, "", tamper)
}

// deploySecuredIn is deploySecured with the sample's region replaced, when
// region is not empty.
func deploySecuredIn(t *testing.T, file, region string, tamper func([]byte) []byte) *secured {
	t.Helper()
	raw, req := sample(t, file)
	if region != "" {
		var m map[string]any
		require.NoError(t, json.Unmarshal(raw, &m))
		m["region"] = region
		var err error
		raw, err = json.Marshal(m)
		require.NoError(t, err)
		req, err = document.Parse(raw)
		require.NoError(t, err)
	}
	logs := &bytes.Buffer{}
	s, err := localrun.Simulate(req.Region, localrun.Config{Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	s.Cloud.EC2.TamperUserData = tamper
	r := &run{sim: s, req: req, raw: raw}
	r.do(t, localrun.Deploy)
	return &secured{run: r, logs: logs}
}

// script is RunInstances' UserData as cloud-init runs it: base64, then
// gunzipped when gzipped.
func script(t *testing.T, userData string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(userData)
	require.NoError(t, err)
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		b, err = io.ReadAll(zr)
		require.NoError(t, err)
	}
	return string(b)
}

// get makes one request from the internet, as the simulated account
// answers it.
func (s *secured) get(t *testing.T, url, key string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", workload.Authorization(key))
	}
	resp, err := s.sim.Cloud.HTTPClient(s.req.Region).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}

func (s *secured) secret(t *testing.T, arn string) workload.Secret {
	t.Helper()
	out, err := sm.NewFromConfig(s.sim.Cloud.Config(s.req.Region)).GetSecretValue(context.Background(), &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	require.NoError(t, err)
	v, err := workload.ParseSecret(aws.ToString(out.SecretString))
	require.NoError(t, err)
	return v
}

// TestOnlyTheOwnerReachesTheStackOnEveryTier deploys each tier and knocks
// on every door it has, as a stranger and as the owner.
func TestOnlyTheOwnerReachesTheStackOnEveryTier(t *testing.T) {
	for _, c := range []struct{ file, region string }{
		{"tier1-dev.json", ""}, {"tier2-automation.json", ""}, {"tier3-gpu.json", ""},
		// A region without CloudFront VPC origins: the ALB is public,
		// gated by CloudFront's secret header.
		{"tier3-gpu.json", "ap-southeast-6"},
		// us-east-1's default VPC has a subnet in use1-az3, which VPC
		// origins do not serve: the deployment leaves it out.
		{"tier3-gpu.json", "us-east-1"},
	} {
		t.Run(c.file+" "+c.region, func(t *testing.T) {
			s := deploySecuredIn(t, c.file, c.region, nil)
			require.Equal(t, engine.StatusSucceeded, s.exec.Status, "%s: %s", s.exec.Error, s.exec.Cause)
			doc := s.output(t)
			l := doc.Resources
			require.NotEmpty(t, l.SecretARN)
			secret := s.secret(t, l.SecretARN)

			front := map[document.Tier]string{document.TierDev: "http://" + l.PublicIP, document.TierAutomation: "http://" + l.ALBDNS,
				document.TierGPU: "https://" + l.CloudFrontDomain}[doc.Request.Tier]
			for _, r := range workload.Routes() {
				status, _, err := s.get(t, front+r.Probe, "")
				require.NoError(t, err)
				assert.Equal(t, http.StatusUnauthorized, status, "anonymous %s", r.Probe)
				status, _, err = s.get(t, front+r.Probe, "wrong-key")
				require.NoError(t, err)
				assert.Equal(t, http.StatusUnauthorized, status, "%s with a wrong key", r.Probe)
				status, _, err = s.get(t, front+r.Probe, secret.APIKey)
				require.NoError(t, err)
				assert.Equal(t, http.StatusOK, status, "%s with the key", r.Probe)
			}
			status, body, err := s.get(t, front+workload.SettingsPath, "")
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `"showSetupOnFirstLoad":false`, "n8n's owner exists: nobody can claim the editor")
			status, body, err = s.get(t, front+workload.HealthPath, "")
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, status)
			assert.JSONEq(t, `{"status":"ok"}`, body, "/healthz says nothing else")

			if doc.Request.EnableALB {
				// Behind an ALB the instance's own address is closed.
				_, _, err := s.get(t, "http://"+l.PublicIP+workload.Routes()[0].Probe, secret.APIKey)
				assert.Error(t, err, "the instance answers the internet directly")
			}
			if doc.Request.EnableCDN {
				status, _, err := s.get(t, "http://"+l.ALBDNS+workload.Routes()[0].Probe, secret.APIKey)
				lbs, derr := elb.NewFromConfig(s.sim.Cloud.Config(s.req.Region)).DescribeLoadBalancers(context.Background(),
					&elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{l.ALBARN}})
				require.NoError(t, derr)
				cfg, cerr := cf.NewFromConfig(s.sim.Cloud.Config(s.req.Region)).GetDistributionConfig(context.Background(),
					&cf.GetDistributionConfigInput{Id: aws.String(l.CloudFrontID)})
				require.NoError(t, cerr)
				origin := cfg.DistributionConfig.Origins.Items[0]
				if doc.Request.PrivateOrigin() {
					// Nobody on the internet reaches an internal ALB, not
					// even to be refused; CloudFront reaches it through its
					// VPC origin.
					assert.Error(t, err, "the internal ALB answers the internet: %d", status)
					assert.Equal(t, elbtypes.LoadBalancerSchemeEnumInternal, lbs.LoadBalancers[0].Scheme)
					require.NotNil(t, origin.VpcOriginConfig)
					assert.Equal(t, l.VPCOriginID, aws.ToString(origin.VpcOriginConfig.VpcOriginId))
				} else {
					assert.True(t, err != nil || status == http.StatusForbidden, "the ALB serves without CloudFront: %d %v", status, err)
					assert.Equal(t, elbtypes.LoadBalancerSchemeEnumInternetFacing, lbs.LoadBalancers[0].Scheme)
					assert.Nil(t, origin.VpcOriginConfig)
					assert.Empty(t, l.VPCOriginID)
				}
			}

			// No secret value anywhere but in Secrets Manager.
			var everything bytes.Buffer
			everything.Write(s.exec.Output)
			for _, e := range s.exec.History {
				b, _ := json.Marshal(e)
				everything.Write(b)
			}
			for _, e := range s.sim.Events() {
				everything.Write(e.Detail)
			}
			everything.Write(s.logs.Bytes())
			for _, c := range s.sim.Cloud.Calls() {
				if c.Service == "EC2" && c.Operation == "RunInstances" {
					in, ok := c.Input.(*ec2.RunInstancesInput)
					require.True(t, ok)
					everything.WriteString(script(t, aws.ToString(in.UserData)))
				}
			}
			require.Contains(t, everything.String(), "GeuseMaker workload bootstrap", "the UserData is searched, as cloud-init reads it")
			require.Greater(t, s.logs.Len(), 0, "the steps logged")
			for _, v := range secret.Values() {
				assert.NotContains(t, everything.String(), v, "a secret value leaked into the output, history, events, logs or UserData")
			}

			s.do(t, localrun.Destroy)
			require.Equal(t, engine.StatusSucceeded, s.exec.Status, "%s: %s", s.exec.Error, s.exec.Cause)
			requireEmptyAccount(t, s.run)
		})
	}
}

// TestABrokenBootstrapFailsTheDeployment changes what the instance runs, as
// a careless edit of bootstrap.sh would: each change must end the
// deployment with a named error and leave nothing behind.
func TestABrokenBootstrapFailsTheDeployment(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		change func(string) string
		want   string
	}{
		// Ollama has no authentication of its own: nginx's guard is all.
		{"Ollama's route without the API key guard", "tier1-dev.json", func(s string) string {
			return strings.Replace(s, "location /api/ollama/ {\n      if ($geusemaker_api_authorized = 0) { return 401; }\n", "location /api/ollama/ {\n", 1)
		}, contract.SmokeTestFailed},
		// Qdrant checks its own key too: without nginx's guard and without
		// its key, the route is open.
		{"Qdrant without nginx's guard nor its own key", "tier3-gpu.json", func(s string) string {
			s = strings.Replace(s, "location /qdrant/ {\n      if ($geusemaker_api_authorized = 0) { return 401; }\n", "location /qdrant/ {\n", 1)
			return strings.Replace(s, "    env_file: /etc/geusemaker/qdrant.env\n", "", 1)
		}, contract.SmokeTestFailed},
		{"the guard's key map not read", "tier3-gpu.json", func(s string) string {
			return strings.Replace(s, "include "+workload.APIKeyMap+";", "", 1)
		}, contract.SmokeTestFailed},
		{"n8n's owner not set up", "tier2-automation.json", func(s string) string {
			return strings.ReplaceAll(s, "http://127.0.0.1:5678/rest/owner/setup", "http://127.0.0.1:5678/rest/nothing")
		}, contract.SmokeTestFailed},
		{"Crawl4AI without its token", "tier1-dev.json", func(s string) string {
			return strings.Replace(s, "    env_file: /etc/geusemaker/crawl4ai.env\n", "", 1)
		}, contract.SmokeTestFailed},
		{"another secret than the role may read", "tier2-automation.json", func(s string) string {
			return strings.Replace(s, "geusemaker/geuse-automation/workload-", "geusemaker/other/workload-", 1)
		}, contract.TargetUnhealthy},
		{"nginx on another port than the target group's", "tier2-automation.json", func(s string) string {
			return strings.Replace(s, "listen 80 default_server;", "listen 8080 default_server;", 1)
		}, contract.TargetUnhealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := false
			s := deploySecured(t, tt.file, func(b []byte) []byte {
				// A GPU instance's script arrives gzipped: edit it as
				// cloud-init will run it.
				zipped := bytes.HasPrefix(b, []byte{0x1f, 0x8b})
				if zipped {
					zr, err := gzip.NewReader(bytes.NewReader(b))
					require.NoError(t, err)
					b, err = io.ReadAll(zr)
					require.NoError(t, err)
				}
				out := tt.change(string(b))
				changed = changed || out != string(b)
				if !zipped {
					return []byte(out)
				}
				var z bytes.Buffer
				zw := gzip.NewWriter(&z)
				_, err := zw.Write([]byte(out))
				require.NoError(t, err)
				require.NoError(t, zw.Close())
				return z.Bytes()
			})
			require.True(t, changed, "the change must apply to the real bootstrap")
			require.Equal(t, engine.StatusFailed, s.exec.Status)
			assert.Equal(t, tt.want, s.exec.Error, s.exec.Cause)
			requireEmptyAccount(t, s.run)
		})
	}
}

// The instance role lives under the region's permissions boundary, and
// the simulated account evaluates it: a boundary that does not let the
// instance read its secret stops the workload from booting, so the
// deployment fails (and leaves nothing), however the role's own policy
// grants the read.
func TestTheInstanceCannotReachBeyondItsBoundary(t *testing.T) {
	raw, req := sample(t, "tier1-dev.json")
	s, err := localrun.Simulate(req.Region, localrun.Config{})
	require.NoError(t, err)
	s.Cloud.IAM.PlantPolicy(contract.BoundaryPath, contract.BoundaryName(req.Region),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["elasticfilesystem:ClientMount","elasticfilesystem:ClientWrite"],"Resource":"*"}]}`)
	r := &run{sim: s, req: req, raw: raw}
	r.do(t, localrun.Deploy)
	failed(t, r, contract.SmokeTestFailed)
}
