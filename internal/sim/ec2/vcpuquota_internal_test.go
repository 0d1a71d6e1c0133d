package ec2

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVCPUQuotaOfEachFamily(t *testing.T) {
	for typ, want := range map[string]string{
		"g4dn.xlarge": "L-DB2E81BA", "g6e.2xlarge": "L-DB2E81BA", "vt1.3xlarge": "L-DB2E81BA",
		"p4d.24xlarge": "L-417A185B",
		"t3.medium":    "L-1216C47A", "m7i.large": "L-1216C47A", "c7gn.xlarge": "L-1216C47A", "i4i.large": "L-1216C47A", "z1d.large": "L-1216C47A",
		"trn1.2xlarge": "", "inf2.xlarge": "", "dl1.24xlarge": "", "hpc7a.96xlarge": "", "mac1.metal": "", "x2idn.16xlarge": "",
		"u-6tb1.metal": "", "f1.2xlarge": "",
	} {
		code, ok := vcpuQuota(typ)
		assert.Equal(t, want, code, typ)
		assert.Equal(t, want != "", ok, typ)
	}
}
