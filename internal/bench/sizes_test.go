package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZipSizeCompressesTheBootstrap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bootstrap")
	require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("geusemaker "), 10_000), 0o755))
	size, zipped, err := zipSize(path)
	require.NoError(t, err)
	assert.Equal(t, int64(110_000), size)
	assert.Less(t, zipped, size/10, "repetitive content compresses")
	assert.Positive(t, zipped)

	_, _, err = zipSize(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}

func TestLambdaSizesBuildsEveryLambdaForArm64(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(content), 0o644))
	}
	write("go.mod", "module example\n\ngo 1.26\n")
	write("lambdas/hello/main.go", "package main\n\nfunc main() { println(\"hello\") }\n")
	write("lambdas/README.md", "not a Lambda\n")
	sizes, err := LambdaSizes(context.Background(), root)
	require.NoError(t, err)
	require.Len(t, sizes, 1)
	assert.Equal(t, "hello", sizes[0].Name)
	assert.Positive(t, sizes[0].Zipped)
	assert.Less(t, sizes[0].Zipped, sizes[0].Binary)

	write("lambdas/broken/main.go", "package main\n\nfunc main() { undefined() }\n")
	_, err = LambdaSizes(context.Background(), root)
	assert.ErrorContains(t, err, "build lambda broken")

	_, err = LambdaSizes(context.Background(), t.TempDir())
	assert.ErrorContains(t, err, "list lambdas")
}
