package jsonio

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func dump(t *testing.T, in string, opts ReaderOptions) {
	r := NewReader(strings.NewReader(in), opts)
	for k := 0; k < 100; k++ {
		v, err := r.Next()
		if err != nil {
			fmt.Printf("  err: %v\n", err)
			if ie, ok := err.(*InputError); ok {
				fmt.Printf("     text=%q\n", ie.Text)
				continue
			}
			return
		}
		fmt.Printf("  %d: %s\n", v.Line, v.Raw)
	}
}

func TestSmoke(t *testing.T) {
	for _, in := range []string{
		"{\"a\":1\n{\"b\":2}\n",
		"{\"a\":1}}\n{\"c\":3}\n",
		"{\"a\":1}\nhello world\n{\"b\":2}\n",
		"1 2 3\n\"x\"\ntrue\n01\n",
		"[1,2,\n3]\n",
		"\xEF\xBB\xBF{\"a\":\"caf\xe9\"}\r\n{\"b\":2}",
	} {
		fmt.Printf("%q\n", in)
		dump(t, in, ReaderOptions{})
		dump(t, in, ReaderOptions{UnwrapArrays: true})
	}
	for _, f := range []string{"ps51-Example2.json", "ps51-Example3.json", "ps51-Example4.json"} {
		data, _ := os.ReadFile("/work/shared/fixtures/powershell/" + f)
		fmt.Println(f)
		dump(t, string(data), ReaderOptions{UnwrapArrays: true})
	}
}
