package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// storagePath is the package whose SQL the static test checks.
const storagePath = "github.com/relaisbot/relais/storage"

// sqlMethods are the database/sql methods that take SQL text, with the
// index of that argument.
var sqlMethods = map[string]int{
	"Exec": 0, "Query": 0, "QueryRow": 0, "Prepare": 0,
	"ExecContext": 1, "QueryContext": 1, "QueryRowContext": 1, "PrepareContext": 1,
}

// Every SQL text storage hands to database/sql is fixed when Relais is
// compiled, so that data can only ever reach SQLite as parameters: the SQL
// argument of Exec, Query, QueryRow and Prepare (and their …Context forms)
// on *sql.DB, *sql.Tx and *sql.Conn (or on any interface, which could hide
// one) must be safe, where safe is
//   - a constant expression (literals and constants, joined with +);
//   - a call of placeholders(n), the one audited helper that builds SQL at
//     run time: "?, ?, ?" from a count, never from data;
//   - the text of an embedded migration (field sql of type migration, read
//     from migrations/*.sql compiled into the binary);
//   - safe + safe;
//   - a local variable every assignment of which is safe;
//   - a parameter of a storage function (each, setOutbox…): that function
//     then takes SQL, and every call of it must pass safe SQL in turn.
//
// Anything else — fmt.Sprintf, a concatenation with a variable, a package
// variable, a value read from elsewhere — fails the test.
func TestInjectionStorageSQLIsConstant(t *testing.T) {
	fset, files, info := typeCheckStorage(t)
	calls, problems := checkStorageSQL(fset, files, info)
	if calls < 50 {
		t.Fatalf("found only %d calls taking SQL in storage; the check no longer recognises them", calls)
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
}

// typeCheckStorage parses storage's non-test files and type-checks them
// against the export data `go list -export` gives (built with the test
// binary's race setting and tags, so the build cache serves it).
func typeCheckStorage(t *testing.T) (*token.FileSet, []*ast.File, *types.Info) {
	t.Helper()
	goTool, args := goCommand(t, "list storage's dependencies", "list", "-export", "-deps", "-json=ImportPath,Export,Dir,GoFiles,CgoFiles")
	cmd := exec.Command(goTool, append(args, "./storage")...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	type listed struct {
		ImportPath, Export, Dir string
		GoFiles, CgoFiles       []string
	}
	exports := map[string]string{}
	var storage listed
	for dec := json.NewDecoder(strings.NewReader(string(out))); ; {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		exports[p.ImportPath] = p.Export
		if p.ImportPath == storagePath {
			storage = p
		}
	}
	if storage.Dir == "" {
		t.Fatalf("go list did not list %s", storagePath)
	}

	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range append(storage.GoFiles, storage.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(storage.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	lookup := func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(exports[path])
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup)}
	if _, err := conf.Check(storagePath, fset, files, info); err != nil {
		t.Fatalf("type-check storage: %v", err)
	}
	return fset, files, info
}

// sqlChecker finds the calls that take SQL in one type-checked package and
// whether their SQL is safe (see TestInjectionStorageSQLIsConstant).
type sqlChecker struct {
	fset *token.FileSet
	info *types.Info

	params  map[*types.Var]paramRef   // parameters of the package's functions
	assigns map[*types.Var][]ast.Expr // what each local variable is assigned
	unsafe  map[*types.Var]string     // local variables set in a way not followed (why)
	sinks   map[*types.Func]int       // package functions taking SQL: index of that parameter
	values  map[*types.Func]bool      // package functions used other than by calling them
	calls   []enclosedCall            // every call, with its function
	seen    map[*types.Var]bool       // variables being checked (cycles)
}

type paramRef struct {
	fn    *types.Func
	index int
}

type enclosedCall struct {
	call *ast.CallExpr
	fn   *ast.FuncDecl
}

// checkStorageSQL returns how many calls take SQL and the problems found.
func checkStorageSQL(fset *token.FileSet, files []*ast.File, info *types.Info) (int, []string) {
	c := &sqlChecker{fset: fset, info: info, params: map[*types.Var]paramRef{}, assigns: map[*types.Var][]ast.Expr{},
		unsafe: map[*types.Var]string{}, sinks: map[*types.Func]int{}, values: map[*types.Func]bool{}}
	for _, f := range files {
		c.findValues(f)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			c.collect(fd)
		}
	}
	// Functions forwarding a parameter as SQL become sinks themselves: go on
	// until no new one appears, then report.
	for {
		before := len(c.sinks)
		c.pass(nil)
		if len(c.sinks) == before {
			break
		}
	}
	var problems []string
	n := c.pass(&problems)
	sort.Strings(problems)
	return n, problems
}

// findValues records the package's functions that f uses other than by
// calling them (method values, function values).
func (c *sqlChecker) findValues(f *ast.File) {
	called := map[*ast.Ident]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			switch fun := ast.Unparen(n.Fun).(type) {
			case *ast.Ident:
				called[fun] = true
			case *ast.SelectorExpr:
				called[fun.Sel] = true
			}
		case *ast.Ident:
			if fn, ok := c.info.Uses[n].(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == storagePath && !called[n] {
				c.values[fn] = true
			}
		}
		return true
	})
}

// collect records fd's parameters, calls and local assignments.
func (c *sqlChecker) collect(fd *ast.FuncDecl) {
	fn, _ := c.info.Defs[fd.Name].(*types.Func)
	i := 0
	for _, field := range fd.Type.Params.List {
		for _, name := range field.Names {
			if v, ok := c.info.Defs[name].(*types.Var); ok && fn != nil {
				c.params[v] = paramRef{fn, i}
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	local := func(e ast.Expr) *types.Var {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return nil
		}
		obj := c.info.Defs[id]
		if obj == nil {
			obj = c.info.Uses[id]
		}
		v, _ := obj.(*types.Var)
		if v == nil || v.IsField() || v.Parent() == v.Pkg().Scope() {
			return nil
		}
		return v
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			c.calls = append(c.calls, enclosedCall{n, fd})
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				v := local(lhs)
				switch {
				case v == nil:
				case len(n.Lhs) != len(n.Rhs):
					c.unsafe[v] = "set from a multi-value expression"
				default:
					c.assigns[v] = append(c.assigns[v], n.Rhs[i]) // x += y: y must be safe too
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if v := local(name); v != nil && i < len(n.Values) {
					c.assigns[v] = append(c.assigns[v], n.Values[i])
				} else if v != nil && len(n.Values) > 0 {
					c.unsafe[v] = "set from a multi-value expression"
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if v := local(e); v != nil {
					c.unsafe[v] = "set by a range loop"
				}
			}
		case *ast.UnaryExpr:
			if v := local(n.X); v != nil && n.Op == token.AND {
				c.unsafe[v] = "its address is taken"
			}
		}
		return true
	})
}

// pass checks every call taking SQL, records new sinks, and with problems
// non-nil reports unsafe SQL. It returns the number of calls taking SQL.
func (c *sqlChecker) pass(problems *[]string) int {
	n := 0
	for _, ec := range c.calls {
		index, what, ok := c.takesSQL(ec.call)
		if !ok {
			continue
		}
		n++
		if index >= len(ec.call.Args) {
			continue
		}
		c.seen = map[*types.Var]bool{}
		if why := c.safe(ec.call.Args[index]); why != "" && problems != nil {
			*problems = append(*problems, fmt.Sprintf("%s: %s in %s: SQL %s: %s",
				c.fset.Position(ec.call.Pos()), what, ec.fn.Name.Name, types.ExprString(ec.call.Args[index]), why))
		}
	}
	return n
}

// takesSQL reports whether call takes SQL text, at which argument, and names the callee.
func (c *sqlChecker) takesSQL(call *ast.CallExpr) (int, string, bool) {
	var obj types.Object
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		obj = c.info.Uses[fun]
	case *ast.SelectorExpr:
		obj = c.info.Uses[fun.Sel]
		if sel := c.info.Selections[fun]; sel != nil && sel.Kind() == types.MethodVal {
			index, isSQL := sqlMethods[fun.Sel.Name]
			recv := sel.Recv()
			if p, ok := recv.(*types.Pointer); ok {
				recv = p.Elem()
			}
			if isSQL && types.IsInterface(recv) {
				return index, types.TypeString(recv, nil) + "." + fun.Sel.Name, true
			}
			if m, ok := sel.Obj().(*types.Func); isSQL && ok && m.Pkg() != nil && m.Pkg().Path() == "database/sql" {
				if named, ok := recv.(*types.Named); ok {
					switch named.Obj().Name() {
					case "DB", "Tx", "Conn":
						return index, "sql." + named.Obj().Name() + "." + fun.Sel.Name, true
					}
				}
			}
		}
	}
	if fn, ok := obj.(*types.Func); ok {
		if index, ok := c.sinks[fn]; ok {
			return index, fn.Name() + " (which passes it on as SQL)", true
		}
	}
	return 0, "", false
}

// safe returns "" if e is safe SQL, else why not. A parameter makes its
// function a sink.
func (c *sqlChecker) safe(e ast.Expr) string {
	e = ast.Unparen(e)
	if tv, ok := c.info.Types[e]; ok && tv.Value != nil {
		return "" // a constant expression
	}
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "not a constant expression"
		}
		if why := c.safe(e.X); why != "" {
			return why
		}
		return c.safe(e.Y)
	case *ast.CallExpr:
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok {
			if fn, ok := c.info.Uses[id].(*types.Func); ok && fn.Name() == "placeholders" && fn.Pkg().Path() == storagePath {
				return "" // the audited helper: "?, ?, ?" from a count
			}
		}
		return "built at run time by " + types.ExprString(e.Fun) + " (only placeholders(n) may build SQL)"
	case *ast.SelectorExpr:
		if sel := c.info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal && sel.Obj().Name() == "sql" {
			if named, ok := types.Unalias(derefType(sel.Recv())).(*types.Named); ok &&
				named.Obj().Name() == "migration" && named.Obj().Pkg().Path() == storagePath {
				return "" // an embedded migration's text
			}
		}
		return "read from " + types.ExprString(e) + ", not a constant"
	case *ast.Ident:
		v, ok := c.info.Uses[e].(*types.Var)
		if !ok {
			return "not a constant expression"
		}
		if p, ok := c.params[v]; ok {
			if p.fn.Exported() {
				return "parameter " + v.Name() + " of exported " + p.fn.Name() + " (its callers are outside storage)"
			}
			if c.values[p.fn] {
				return "parameter " + v.Name() + " of " + p.fn.Name() + ", which is used as a value (its calls cannot be followed)"
			}
			if _, known := c.sinks[p.fn]; !known {
				c.sinks[p.fn] = p.index
			}
			return "" // its callers are checked
		}
		if v.Parent() == v.Pkg().Scope() {
			return "package variable " + v.Name() + " (may change at run time)"
		}
		if why, ok := c.unsafe[v]; ok {
			return "variable " + v.Name() + " is " + why
		}
		if c.seen[v] {
			return "" // a cycle (q = q + …): the other assignments decide
		}
		c.seen[v] = true
		if len(c.assigns[v]) == 0 {
			return "variable " + v.Name() + " is never assigned here"
		}
		for _, rhs := range c.assigns[v] {
			if why := c.safe(rhs); why != "" {
				return "variable " + v.Name() + ": " + why
			}
		}
		return ""
	}
	return "not a constant expression"
}

func derefType(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}
