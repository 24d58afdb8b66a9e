package drill

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// Cadres adds n staff accounts at the districts' federations (load.NNN,
// through `halfsky user add` run by operator, as an operator would) and
// signs each in at base, each from an address of her own.
func Cadres(t *testing.T, operator func(context.Context, ...string) (string, error), base string, n int) []*Client {
	t.Helper()
	ctx := context.Background()
	out := make([]*Client, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			user := fmt.Sprintf("load.%03d", i)
			if o, err := operator(ctx, "user", "add", "--username", user, "--password", Password,
				"--org", Districts[i%len(Districts)], "--role", "staff", "--name", fmt.Sprintf("干部%03d", i)); err != nil {
				errs <- fmt.Errorf("%v: %s", err, o)
				return
			}
			c, err := SignInFrom(ctx, base, user, Password, fmt.Sprintf("10.23.%d.%d", i/250, i%250+1))
			if err != nil {
				errs <- err
				return
			}
			out[i] = c
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return out
}

// Password is the demo accounts' password in the drills.
const Password = "Drill-pass-2015!"
