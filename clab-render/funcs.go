package main

// The functions containerlab gives its topology templates (containerlab's utils.CreateFuncs: ToJSON,
// ToJSONPretty, add, subtract, mul, div, rem, seq, and the `strings` and `conv` namespaces), with
// containerlab's semantics, written here: containerlab's module is not served by the Go module proxy
// this project builds from. Its arithmetic is gomplate's: integers stay int64 unless an operand is a
// float (or a string that reads as one), numbers may be strings ("1,024" reads as 1024), and an
// operand that is no number is an error naming it. text/template's own functions (len, index, slice,
// printf, eq …) come with the package.

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"text/template"
)

func funcs() template.FuncMap {
	str := &stringFuncs{}
	cnv := &convFuncs{}
	return template.FuncMap{
		"ToJSON": func(v any) string {
			b, _ := json.Marshal(v) // as containerlab: a value JSON cannot hold renders as nothing
			return string(b)
		},
		"ToJSONPretty": func(v any, prefix, indent string) string {
			b, _ := json.MarshalIndent(v, prefix, indent)
			return string(b)
		},
		"add": func(a, b any) (any, error) {
			return arith(a, b, func(x, y int64) int64 { return x + y }, func(x, y float64) float64 { return x + y })
		},
		"subtract": func(a, b any) (any, error) {
			return arith(a, b, func(x, y int64) int64 { return x - y }, func(x, y float64) float64 { return x - y })
		},
		"mul": func(a, b any) (any, error) {
			return arith(a, b, func(x, y int64) int64 { return x * y }, func(x, y float64) float64 { return x * y })
		},
		"div":     div,
		"rem":     rem,
		"seq":     seq,
		"strings": func() any { return str },
		"conv":    func() any { return cnv },
	}
}

func numErr(err error) error { return fmt.Errorf("expected a number: %w", err) }

// operands converts both operands, or says which is no number.
func operands[T any](a, b any, conv func(any) (T, error)) (T, T, error) {
	var zero T
	x, err := conv(a)
	if err != nil {
		return zero, zero, numErr(err)
	}
	y, err := conv(b)
	if err != nil {
		return zero, zero, numErr(err)
	}
	return x, y, nil
}

func arith(a, b any, i func(int64, int64) int64, f func(float64, float64) float64) (any, error) {
	if isFloat(a) || isFloat(b) {
		x, y, err := operands(a, b, toFloat64)
		if err != nil {
			return nil, err
		}
		return f(x, y), nil
	}
	x, y, err := operands(a, b, toInt64)
	if err != nil {
		return nil, err
	}
	return i(x, y), nil
}

// div is always a float division (div 7 2 is 3.5).
func div(a, b any) (any, error) {
	x, y, err := operands(a, b, toFloat64)
	if err != nil {
		return nil, err
	}
	if y == 0 {
		return 0, fmt.Errorf("error: division by 0")
	}
	return x / y, nil
}

func rem(a, b any) (any, error) {
	x, y, err := operands(a, b, toInt64)
	if err != nil {
		return nil, err
	}
	if y == 0 {
		return nil, fmt.Errorf("expected a number: divisor is zero")
	}
	return x % y, nil
}

// seq END | START END | START END STEP: from START (1) to END inclusive by STEP (1), counting down
// when END < START whatever STEP's sign; an END the steps do not land on is not reached; STEP 0 is
// no numbers.
func seq(n ...any) (any, error) {
	start, end, step := int64(1), int64(0), int64(1)
	vals := make([]int64, len(n))
	for i, v := range n {
		x, err := toInt64(v)
		if err != nil {
			return nil, numErr(err)
		}
		vals[i] = x
	}
	switch len(n) {
	case 1:
		end = vals[0]
	case 2:
		start, end = vals[0], vals[1]
	case 3:
		start, end, step = vals[0], vals[1], vals[2]
	default:
		return nil, fmt.Errorf("expected 1, 2, or 3 arguments, got %d", len(n))
	}
	if step == 0 {
		return []int64{}, nil
	}
	if (end < start && step > 0) || (end > start && step < 0) {
		step = -step
	}
	end -= (end - start) % step
	out := []int64{start}
	for v := start; v != end; {
		v += step
		out = append(out, v)
	}
	return out, nil
}

func isFloat(v any) bool {
	switch x := v.(type) {
	case float32, float64:
		return true
	case string:
		if _, err := strconv.ParseFloat(x, 64); err != nil {
			return false
		}
		_, err := strconv.ParseInt(x, 0, 64)
		return err != nil
	}
	return false
}

func toInt64(v any) (int64, error) {
	if s, ok := v.(string); ok {
		s = strings.ReplaceAll(s, ",", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("could not convert %q to int64: %w", s, err)
		}
		return int64(f), nil
	}
	r := reflect.Indirect(reflect.ValueOf(v))
	switch r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return r.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := r.Uint()
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("could not convert %d to int64, would overflow", u)
		}
		return int64(u), nil
	case reflect.Float32, reflect.Float64:
		return int64(r.Float()), nil
	case reflect.Bool:
		if r.Bool() {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("could not convert %v to int64", v)
}

func toFloat64(v any) (float64, error) {
	if s, ok := v.(string); ok {
		s = strings.ReplaceAll(s, ",", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return float64(i), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("could not convert %q to float64: %w", s, err)
		}
		return f, nil
	}
	r := reflect.Indirect(reflect.ValueOf(v))
	switch r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(r.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(r.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return r.Float(), nil
	case reflect.Bool:
		if r.Bool() {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("could not convert %v to float64", v)
}

// toString: nil is "nil", strings and byte slices themselves, a Stringer its String, else fmt's.
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	case []byte:
		return string(x)
	}
	r := reflect.ValueOf(v)
	for r.Kind() == reflect.Pointer {
		if r.IsNil() {
			return "<nil>"
		}
		r = r.Elem()
	}
	return fmt.Sprint(r.Interface())
}

type stringFuncs struct{}

// Split is {{ strings.Split SEP VALUE }} (the separator first, so a pipe gives the value).
func (*stringFuncs) Split(sep string, s any) []string { return strings.Split(toString(s), sep) }

// ReplaceAll is {{ strings.ReplaceAll OLD NEW VALUE }}.
func (*stringFuncs) ReplaceAll(old, replacement string, s any) string {
	if old == "" {
		return toString(s)
	}
	if s == nil {
		return ""
	}
	return strings.ReplaceAll(toString(s), old, replacement)
}

type convFuncs struct{}

// Join is {{ conv.Join LIST SEP }}: any list, each element made a string.
func (*convFuncs) Join(in any, sep string) (string, error) {
	if s, ok := in.([]string); ok {
		return strings.Join(s, sep), nil
	}
	r := reflect.ValueOf(in)
	if r.Kind() != reflect.Slice && r.Kind() != reflect.Array {
		return "", fmt.Errorf("input to Join must be an array: expected an array or slice, but got a %T", r)
	}
	parts := make([]string, r.Len())
	for i := range parts {
		parts[i] = toString(r.Index(i).Interface())
	}
	return strings.Join(parts, sep), nil
}

// ToInt is {{ conv.ToInt VALUE }}.
func (*convFuncs) ToInt(in any) (int, error) {
	i, err := toInt64(in)
	if err != nil {
		return 0, err
	}
	if i < math.MinInt || i > math.MaxInt {
		return 0, fmt.Errorf("could not convert %v to int", in)
	}
	return int(i), nil
}
