package gate

import "github.com/credpol/credpol/admin"

// Problems lists a compile error's problems as the gate's compile check
// reports them, each file under policies/ as the draft names it: an impact
// run refusing a draft that does not compile says what the gate would.
func Problems(err error) []admin.GateProblem { return problemsOf(err) }
