// Package userdata renders the instance's UserData: a bash script that
// mounts the deployment's EFS, installs docker and compose, writes and
// starts the workload (n8n, Ollama, Qdrant, Crawl4AI, Postgres) bound to
// 127.0.0.1 behind nginx on port 80, and on GPU instances waits for the
// GPU and gives it to Ollama. The script carries no secret: the Postgres
// password is generated on the instance at boot.
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
	"strings"
	"text/template"

	"geusemaker/internal/document"
)

// MaxSize is EC2's limit on UserData, in bytes before base64 encoding.
const MaxSize = 16 * 1024

// composeVersion is the docker compose plugin release installed where the
// OS does not package it (Amazon Linux 2023).
const composeVersion = "v2.29.7"

//go:embed bootstrap.sh.tmpl
var bootstrapText string

var bootstrap = template.Must(template.New("bootstrap").Option("missingkey=error").Parse(bootstrapText))

// Params says what the script is for.
type Params struct {
	// DeploymentID names the deployment (a comment in the script).
	DeploymentID string
	// FileSystemID is the EFS file system to mount on /mnt/efs.
	FileSystemID string
	// Region is the file system's region (its NFS DNS name on Ubuntu).
	Region string
	// OS is the instance's operating system.
	OS document.OSType
	// GPU adds the GPU gate, the NVIDIA container toolkit and Ollama's GPU.
	GPU bool
	// HTTPS tells n8n its users arrive over HTTPS (CloudFront), so its
	// session cookie may be Secure.
	HTTPS bool
}

// Values the script is rendered from are checked against these: they end
// up in shell and fstab lines, so nothing but the expected shape passes.
var (
	fileSystemIDRe = regexp.MustCompile(`^fs-[0-9a-f]{8,17}$`)
	regionRe       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	deploymentIDRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*$`)
)

// view is what the template reads.
type view struct {
	Params
	OSName         string
	Ubuntu         bool
	DNSSuffix      string
	ComposeVersion string
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
	}
	v := view{Params: p, OSName: string(p.OS), DNSSuffix: dnsSuffix(p.Region), ComposeVersion: composeVersion}
	switch p.OS {
	case document.OSAmazonLinux2023:
	case document.OSUbuntu2204, document.OSUbuntu2404:
		v.Ubuntu = true
	default:
		return "", fmt.Errorf("render user data for %s: unsupported OS %q", p.DeploymentID, p.OS)
	}
	var b strings.Builder
	if err := bootstrap.Execute(&b, v); err != nil {
		return "", fmt.Errorf("render user data for %s: %w", p.DeploymentID, err)
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
