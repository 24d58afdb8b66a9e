// Command halfsky is 半边天, the online work platform of a women's
// federation and every organization under it.
package main

import (
	"os"

	"halfsky/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
