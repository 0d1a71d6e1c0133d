package preflight

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVCPUQuotaOfFamilies(t *testing.T) {
	tests := map[string]string{
		"t3.medium": codeStandardVCPUs, "m5.large": codeStandardVCPUs, "c7gn.xlarge": codeStandardVCPUs,
		"r7iz.large": codeStandardVCPUs, "z1d.large": codeStandardVCPUs, "im4gn.large": codeStandardVCPUs,
		"g4dn.xlarge": codeGVCPUs, "g5g.xlarge": codeGVCPUs, "vt1.3xlarge": codeGVCPUs,
		"p3.2xlarge": codePVCPUs, "p4de.24xlarge": codePVCPUs,
		"inf2.xlarge": "", "trn1.2xlarge": "", "dl1.24xlarge": "", "x2idn.16xlarge": "", "hpc7g.4xlarge": "",
		"u-6tb1.56xlarge": "", "mac1.metal": "", "f1.2xlarge": "", "": "", "b9.large": "",
	}
	for typ, want := range tests {
		code, name, ok := vcpuQuota(typ)
		assert.Equal(t, want, code, typ)
		assert.Equal(t, want != "", ok, typ)
		assert.Equal(t, want != "", name != "", typ)
	}
}
