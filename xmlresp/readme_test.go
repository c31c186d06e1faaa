package xmlresp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMEVerbs checks the README's "an XML verb" row against the code:
// it names every Plivo verb the package writes at the top of a <Response>
// (every type with an Element method but the TwiML ones and Dial's Number
// and User), and nothing else.
func TestREADMEVerbs(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| an XML verb \|.*$`).Find(readme)
	if row == nil {
		t.Fatal(`the README has no "an XML verb" row`)
	}
	var listed []string
	for _, m := range regexp.MustCompile("`([A-Z][A-Za-z]*)`").FindAllStringSubmatch(string(row), -1) {
		listed = append(listed, m[1])
	}
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, fi := range files {
		if !strings.HasSuffix(fi.Name(), ".go") || strings.HasSuffix(fi.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), fi.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "Element" || fn.Recv == nil {
				continue
			}
			name := fn.Recv.List[0].Type.(*ast.Ident).Name
			if !slices.Contains([]string{"Say", "TwiMLMessage", "Number", "User"}, name) {
				verbs = append(verbs, name)
			}
		}
	}
	slices.Sort(verbs)
	slices.Sort(listed)
	if !slices.Equal(verbs, listed) {
		t.Errorf("the README's row names %v; the package's Plivo verbs are %v", listed, verbs)
	}
}
