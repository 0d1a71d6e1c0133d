package definition_test

import (
	"encoding/json"
	"testing"

	"geusemaker/statemachine/definition"
)

func TestAllHoldsEveryWorkflowAsJSON(t *testing.T) {
	all := definition.All()
	for _, name := range []string{"deploy", "destroy", "watch", "starter"} {
		var v struct{ StartAt string }
		if err := json.Unmarshal(all[name], &v); err != nil || v.StartAt == "" {
			t.Errorf("%s: not an ASL document (err %v)", name, err)
		}
	}
}
