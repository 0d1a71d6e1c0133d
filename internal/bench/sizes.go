package bench

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// LambdaSize is one Lambda's deployment package.
type LambdaSize struct {
	Name string
	// Binary is the stripped bootstrap's size, Zipped its zip's.
	Binary, Zipped int64
}

// LambdaSizes builds every lambdas/<name> of the module at root as the
// stack ships it (linux/arm64, static, -tags lambda.norpc -trimpath
// -ldflags='-s -w') and zips each bootstrap.
func LambdaSizes(ctx context.Context, root string) ([]LambdaSize, error) {
	dirs, err := os.ReadDir(filepath.Join(root, "lambdas"))
	if err != nil {
		return nil, fmt.Errorf("list lambdas: %w", err)
	}
	tmp, err := os.MkdirTemp("", "bench-lambdas")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var out []LambdaSize
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		bin := filepath.Join(tmp, d.Name())
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w",
			"-o", bin, "./lambdas/"+d.Name())
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build lambda %s: %w: %s", d.Name(), err, msg)
		}
		size, zipped, err := zipSize(bin)
		if err != nil {
			return nil, fmt.Errorf("zip lambda %s: %w", d.Name(), err)
		}
		out = append(out, LambdaSize{Name: d.Name(), Binary: size, Zipped: zipped})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// zipSize is the size of the file at path and of a zip holding it as an
// executable "bootstrap", as Lambda's provided runtimes expect.
func zipSize(path string) (size, zipped int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var n counter
	zw := zip.NewWriter(&n)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return 0, 0, err
	}
	if size, err = io.Copy(w, f); err != nil {
		return 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	return size, int64(n), nil
}

// counter counts the bytes written to it.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
