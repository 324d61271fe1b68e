package selfrefgen

import (
	"go/ast"
	"slices"
	"strconv"
	"strings"
)

// names computes the names of the generated items of a bundle. Following
// the seed's visibility rule, the items about a field (With<Field>,
// Borrow<Field>, With<Field>Mut) take the struct's visibility, since Go
// fields of a bundle are always unexported; the other items ("extras":
// builders, constructors, With, Heads, rent methods...) are unexported
// unless the pub_extras option gives them the struct's visibility.
type names struct{ b *bundle }

func (n names) item(s string) string {
	if ast.IsExported(n.b.name) {
		return upperFirst(s)
	}
	return lowerFirst(s)
}

func (n names) extra(s string) string {
	if n.b.opts.pubExtras && ast.IsExported(n.b.name) {
		return upperFirst(s)
	}
	return lowerFirst(s)
}

// tmplBundle is what the template sees of a bundle.
type tmplBundle struct {
	Name, TP, TA, T, Life, Ctx                                    string
	Doc, Debug                                                    bool
	Builder, TryBuilder, ContextBuilder                           string
	New, TryNew, TryNewOrRecover, NewContext, NewContextOrRecover string
	FieldsType, HeadsType                                         string
	With, WithMut, IntoHeads                                      string
	Rent, RentMut, RentAll, RentAllMut, MaybeRent, TryRent        string
	Fields, Heads, Given, Viewable, Dependents                    []*tmplField
	Suffix                                                        *tmplField
	NewParams, TryNewParams, NewContextParams                     string
	BuilderArgs, HeadsFromS, HeadsLiteralS                        string
}

// tmplField is what the template sees of a field.
type tmplField struct {
	Name, Title, Type         string
	Head, Built, Given        bool
	Viewable, Tail            bool
	With, Borrow, WithMut     string
	Params, Args, Borrows     string
	BuilderField, BuilderDesc string
}

func newTmplBundle(b *bundle, ctx string) *tmplBundle {
	n := names{b}
	t := &tmplBundle{
		Name: b.name, TP: b.typeParams, TA: b.typeArgs, T: b.name + b.typeArgs, Life: b.life, Ctx: ctx,
		Doc: !b.opts.noDoc, Debug: b.opts.debug,
		Builder:             n.extra(b.name + "Builder"),
		TryBuilder:          n.extra(b.name + "TryBuilder"),
		ContextBuilder:      n.extra(b.name + "ContextBuilder"),
		New:                 n.extra("New" + upperFirst(b.name)),
		TryNew:              n.extra("TryNew" + upperFirst(b.name)),
		TryNewOrRecover:     n.extra("TryNew" + upperFirst(b.name) + "OrRecover"),
		NewContext:          n.extra("New" + upperFirst(b.name) + "Context"),
		NewContextOrRecover: n.extra("New" + upperFirst(b.name) + "ContextOrRecover"),
		FieldsType:          n.extra(b.name + "Fields"),
		HeadsType:           n.extra(b.name + "Heads"),
		With:                n.extra("With"),
		WithMut:             n.extra("WithMut"),
		IntoHeads:           n.extra("IntoHeads"),
		Rent:                n.extra("Rent"),
		RentMut:             n.extra("RentMut"),
		RentAll:             n.extra("RentAll"),
		RentAllMut:          n.extra("RentAllMut"),
		MaybeRent:           n.extra("MaybeRent"),
		TryRent:             n.extra("TryRent"),
	}
	var newParams, tryParams, ctxParams, builderArgs, headsFromS, literal []string
	for _, f := range b.fields {
		tf := &tmplField{
			Name: f.name, Title: f.title(), Type: f.typ,
			Head: f.head(), Built: f.built(), Given: !f.built(),
			Viewable: f.viewable(), Tail: f.tail(),
			With:    n.item("With" + f.title()),
			Borrow:  n.item("Borrow" + f.title()),
			WithMut: n.item("With" + f.title() + "Mut"),
		}
		var params, args, desc []string
		for _, br := range f.borrows {
			params = append(params, br.f.name+" *"+br.f.typ)
			args = append(args, "&s."+br.f.name)
			if br.mut {
				desc = append(desc, br.f.name+" (mutably)")
			} else {
				desc = append(desc, br.f.name)
			}
		}
		tf.Params, tf.Args, tf.Borrows = strings.Join(params, ", "), strings.Join(args, ", "), andList(desc)
		if f.built() {
			tf.BuilderField = f.title() + "Builder"
			newParams = append(newParams, f.name+"Builder func("+tf.Params+") "+f.typ)
			tryParams = append(tryParams, f.name+"Builder func("+tf.Params+") ("+f.typ+", error)")
			ctxParams = append(ctxParams, f.name+"Builder func("+joinNonEmpty(ctx+" context.Context", tf.Params)+") ("+f.typ+", error)")
			builderArgs = append(builderArgs, tf.BuilderField+": "+f.name+"Builder")
		} else {
			tf.BuilderField = f.title()
			newParams = append(newParams, f.name+" "+f.typ)
			tryParams = append(tryParams, f.name+" "+f.typ)
			ctxParams = append(ctxParams, f.name+" "+f.typ)
			builderArgs = append(builderArgs, tf.BuilderField+": "+f.name)
			literal = append(literal, f.name+": b."+tf.BuilderField)
		}
		t.Fields = append(t.Fields, tf)
		if tf.Head {
			t.Heads = append(t.Heads, tf)
			headsFromS = append(headsFromS, tf.Title+": s."+f.name)
		} else {
			t.Dependents = append(t.Dependents, tf)
		}
		if tf.Given {
			t.Given = append(t.Given, tf)
		}
		if tf.Viewable {
			t.Viewable = append(t.Viewable, tf)
		}
	}
	t.Suffix = t.Fields[len(t.Fields)-1]
	t.NewParams = strings.Join(newParams, ", ")
	t.TryNewParams = strings.Join(tryParams, ", ")
	t.NewContextParams = strings.Join(append([]string{ctx + " context.Context"}, ctxParams...), ", ")
	t.BuilderArgs = strings.Join(builderArgs, ", ")
	t.HeadsFromS = strings.Join(headsFromS, ", ")
	t.HeadsLiteralS = strings.Join(literal, ", ")
	return t
}

// contextName returns a name for the context parameter that no field of
// the bundles uses.
func contextName(bs []*bundle) string {
	taken := map[string]bool{}
	for _, b := range bs {
		for _, f := range b.fields {
			taken[f.name] = true
			taken[f.name+"Builder"] = true
		}
	}
	if !taken["ctx"] {
		return "ctx"
	}
	name := "buildCtx"
	for i := 2; taken[name]; i++ {
		name = "buildCtx" + strconv.Itoa(i)
	}
	return name
}

func joinNonEmpty(a ...string) string {
	return strings.Join(slices.DeleteFunc(a, func(s string) bool { return s == "" }), ", ")
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// wrapComment formats text as a // comment of lines at most 77 columns
// wide, each line indented by indent.
func wrapComment(indent, text string) string {
	var b strings.Builder
	line := indent + "//"
	for w := range strings.FieldsSeq(text) {
		if len(line)+1+len(w) > 77 && line != indent+"//" {
			b.WriteString(line + "\n")
			line = indent + "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
	return b.String()
}
