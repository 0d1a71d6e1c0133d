// Package userdata renders the instance's UserData: a bash script that
// mounts the deployment's EFS, installs docker and compose, writes and
// starts the workload (n8n, Ollama, Qdrant, Crawl4AI, Postgres) bound to
// 127.0.0.1 behind nginx on port 80, and on GPU instances waits for the
// GPU and gives it to Ollama. The script carries no secret: the instance
// reads the deployment's credentials from Secrets Manager at boot.
//
// The script is static (bootstrap.sh): Go only prepends a block of
// shell-quoted readonly variables and drops the GPU-only sections for
// instances without a GPU. It deliberately uses no text/template: the
// template's reflective method calls make the linker keep every exported
// method of every type in the Lambda binary (the whole EC2 client),
// which made the compute Lambda several times the size of the others.
//
// It imports document (for the OS types) and the standard library only.
package userdata

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"geusemaker/internal/document"
)

// MaxSize is EC2's limit on UserData, in bytes before base64 encoding.
const MaxSize = 16 * 1024

// composeVersion is the docker compose plugin release installed where the
// OS does not package it (Amazon Linux 2023).
const composeVersion = "v2.29.7"

//go:embed bootstrap.sh
var bootstrap string

// The lines from gpuBegin to gpuEnd in bootstrap.sh are for GPU instances
// only: the GPU gate, the NVIDIA container toolkit, and Ollama's GPU
// reservation inside the compose file's heredoc, where a shell conditional
// cannot reach.
const (
	gpuBegin = "# >>> gpu"
	gpuEnd   = "# <<< gpu"
)

// scripts are bootstrap.sh without (false) and with (true) its GPU
// sections; splitting it at init means a malformed marker fails every
// test rather than one launch.
var scripts = func() (s [2]string) {
	var err error
	for i, gpu := range []bool{false, true} {
		if s[i], err = sections(bootstrap, gpu); err != nil {
			panic(err)
		}
	}
	return s
}()

// Params says what the script is for.
type Params struct {
	// DeploymentID names the deployment (a comment in the script).
	DeploymentID string
	// FileSystemID is the EFS file system to mount on /mnt/efs.
	FileSystemID string
	// Region is the deployment's region: the file system's (its NFS DNS
	// name on Ubuntu) and the secret's.
	Region string
	// SecretARN is the deployment's Secrets Manager secret, which the
	// bootstrap reads through the instance role.
	SecretARN string
	// OS is the instance's operating system.
	OS document.OSType
	// GPU adds the GPU gate, the NVIDIA container toolkit and Ollama's GPU.
	GPU bool
	// HTTPS tells n8n its users arrive over HTTPS (CloudFront), so its
	// session cookie may be Secure.
	HTTPS bool
	// Proxies are the proxies in front of the instance's nginx (the ALB,
	// CloudFront): n8n trusts that many forwarded hops, plus nginx's, to
	// find a client's address (its login throttling is per address).
	Proxies int
}

// Values the script is rendered from are checked against these: they end
// up in shell and fstab lines, so nothing but the expected shape passes.
var (
	fileSystemIDRe = regexp.MustCompile(`^fs-[0-9a-f]{8,17}$`)
	regionRe       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	deploymentIDRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*$`)
	secretARNRe    = regexp.MustCompile(`^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)
)

// osFamilies maps each supported OS to the family bootstrap.sh branches on.
var osFamilies = map[document.OSType]string{
	document.OSAmazonLinux2023: "al2023",
	document.OSUbuntu2204:      "ubuntu",
	document.OSUbuntu2404:      "ubuntu",
}

// Render returns the script for p.
func Render(p Params) (string, error) {
	switch {
	case !deploymentIDRe.MatchString(p.DeploymentID):
		return "", fmt.Errorf("render user data: deployment id %q is not a valid deployment id", p.DeploymentID)
	case !fileSystemIDRe.MatchString(p.FileSystemID):
		return "", fmt.Errorf("render user data for %s: file system id %q is not an EFS id", p.DeploymentID, p.FileSystemID)
	case !regionRe.MatchString(p.Region):
		return "", fmt.Errorf("render user data for %s: region %q is not a region", p.DeploymentID, p.Region)
	case !secretARNRe.MatchString(p.SecretARN):
		return "", fmt.Errorf("render user data for %s: secret %q is not a Secrets Manager secret ARN", p.DeploymentID, p.SecretARN)
	case p.Proxies < 0 || p.Proxies > 2:
		return "", fmt.Errorf("render user data for %s: %d proxies in front of the instance, want 0 to 2", p.DeploymentID, p.Proxies)
	}
	family, ok := osFamilies[p.OS]
	if !ok {
		return "", fmt.Errorf("render user data for %s: unsupported OS %q", p.DeploymentID, p.OS)
	}
	script := scripts[0]
	if p.GPU {
		script = scripts[1]
	}
	shebang, body, _ := strings.Cut(script, "\n")
	var b strings.Builder
	b.WriteString(shebang + "\n# Deployment values, written by internal/steps/compute/userdata.\n")
	// The values are validated above; quoting them anyway keeps the block
	// safe if a check is ever loosened.
	for _, v := range [][2]string{
		{"DEPLOYMENT_ID", p.DeploymentID},
		{"OS_NAME", string(p.OS)},
		{"OS", family},
		{"FILE_SYSTEM_ID", p.FileSystemID},
		{"EFS_DNS_NAME", p.FileSystemID + ".efs." + p.Region + "." + dnsSuffix(p.Region)},
		{"REGION", p.Region},
		{"SECRET_ARN", p.SecretARN},
		{"N8N_SECURE_COOKIE", strconv.FormatBool(p.HTTPS)},
		{"N8N_PROXY_HOPS", strconv.Itoa(p.Proxies + 1)},
		{"COMPOSE_VERSION", composeVersion},
	} {
		b.WriteString("readonly " + v[0] + "=" + shellQuote(v[1]) + "\n")
	}
	b.WriteString(body)
	return b.String(), nil
}

// shellQuote returns s as one single-quoted shell word: nothing inside
// single quotes is special but the quote itself, which is closed, escaped
// and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sections returns script with the marker lines removed and, unless gpu,
// the lines between them too. Markers must be whole lines, paired and not
// nested.
func sections(script string, gpu bool) (string, error) {
	var b strings.Builder
	inGPU := false
	for i, line := range strings.SplitAfter(script, "\n") {
		switch strings.TrimSuffix(line, "\n") {
		case gpuBegin:
			if inGPU {
				return "", fmt.Errorf("bootstrap.sh line %d: %q inside a GPU section", i+1, gpuBegin)
			}
			inGPU = true
		case gpuEnd:
			if !inGPU {
				return "", fmt.Errorf("bootstrap.sh line %d: %q outside a GPU section", i+1, gpuEnd)
			}
			inGPU = false
		default:
			if gpu || !inGPU {
				b.WriteString(line)
			}
		}
	}
	if inGPU {
		return "", fmt.Errorf("bootstrap.sh: %q not closed", gpuBegin)
	}
	return b.String(), nil
}

// dnsSuffix is the domain of AWS endpoints in region's partition.
func dnsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// Encode returns script as RunInstances' UserData wants it: base64. A
// script over MaxSize is gzipped first (cloud-init detects and unpacks
// gzip); one still over MaxSize after gzip is an error.
func Encode(script string) (string, error) {
	data := []byte(script)
	if len(data) > MaxSize {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(data)                                  // writes to a bytes.Buffer do not fail
		_ = zw.Close()
		if b.Len() > MaxSize {
			return "", fmt.Errorf("encode user data: %d bytes gzipped, over EC2's %d-byte limit", b.Len(), MaxSize)
		}
		data = b.Bytes()
	}
	return base64.StdEncoding.EncodeToString(data), nil
}

// Build renders and encodes the script for p.
func Build(p Params) (string, error) {
	script, err := Render(p)
	if err != nil {
		return "", err
	}
	return Encode(script)
}
