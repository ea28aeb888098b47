package testenv_test

import (
	"fmt"

	"github.com/ragguard/ragguard/internal/testenv"
)

// SchemaOf recovers the schema a NewSchema URL selects, for tests on PGlite
// that qualify their table names.
func ExampleSchemaOf() {
	url := "postgres://postgres@127.0.0.1:5432/postgres?search_path=rg_testdocs_1a2b3c%2Cpublic"
	fmt.Println(testenv.SchemaOf(url))
	fmt.Printf("%q\n", testenv.SchemaOf("postgres://postgres@127.0.0.1:5432/postgres"))
	// Output:
	// rg_testdocs_1a2b3c
	// ""
}
