package ortbench

import (
	"encoding/binary"
	"math"
)

// A minimal protocol-buffers writer for the few ONNX messages a graph
// needs (onnx.proto3: ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto). Only the wire format's varints, 32-bit
// floats and length-delimited fields are used.

// msg is an encoded message under construction.
type msg []byte

func (m *msg) tag(field, wire int) { m.varint(uint64(field<<3 | wire)) }

func (m *msg) varint(v uint64) {
	*m = binary.AppendUvarint(*m, v)
}

// int writes a varint field (int32, int64 or an enum).
func (m *msg) int(field int, v int64) {
	m.tag(field, 0)
	m.varint(uint64(v))
}

// float writes a 32-bit float field.
func (m *msg) float(field int, v float32) {
	m.tag(field, 5)
	*m = binary.LittleEndian.AppendUint32(*m, math.Float32bits(v))
}

// bytes writes a length-delimited field: a string, bytes or a message.
func (m *msg) bytes(field int, b []byte) {
	m.tag(field, 2)
	m.varint(uint64(len(b)))
	*m = append(*m, b...)
}

func (m *msg) str(field int, s string) { m.bytes(field, []byte(s)) }

// ints writes a packed repeated int64 field.
func (m *msg) ints(field int, v []int64) {
	var p msg
	for _, x := range v {
		p.varint(uint64(x))
	}
	m.bytes(field, p)
}

// ONNX enum values used here.
const (
	onnxFloat = 1 // TensorProto.DataType FLOAT
	onnxInt64 = 7 // TensorProto.DataType INT64

	attrFloat = 1 // AttributeProto.AttributeType
	attrInt   = 2
	attrStr   = 3
	attrInts  = 7
)

// tensorProto encodes a named float32 or int64 initializer.
func tensorProto(name string, dims []int64, f32 []float32, i64 []int64) msg {
	var t msg
	if len(dims) > 0 {
		t.ints(1, dims)
	}
	if i64 != nil {
		t.int(2, onnxInt64)
	} else {
		t.int(2, onnxFloat)
	}
	t.str(8, name)
	raw := make([]byte, 0, 4*len(f32)+8*len(i64))
	for _, v := range f32 {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	for _, v := range i64 {
		raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
	}
	t.bytes(9, raw)
	return t
}

// attr is one node attribute.
type attr struct {
	name string
	kind int
	f    float32
	i    int64
	s    string
	ints []int64
}

func (a attr) encode() msg {
	var m msg
	m.str(1, a.name)
	switch a.kind {
	case attrFloat:
		m.float(2, a.f)
	case attrInt:
		m.int(3, a.i)
	case attrStr:
		m.str(4, a.s)
	case attrInts:
		m.ints(8, a.ints)
	}
	m.int(20, int64(a.kind))
	return m
}

func intAttr(name string, v int64) attr     { return attr{name: name, kind: attrInt, i: v} }
func floatAttr(name string, v float32) attr { return attr{name: name, kind: attrFloat, f: v} }
func strAttr(name, v string) attr           { return attr{name: name, kind: attrStr, s: v} }
func intsAttr(name string, v ...int64) attr { return attr{name: name, kind: attrInts, ints: v} }
func nodeProto(op string, in, out []string, attrs []attr) msg {
	var n msg
	for _, s := range in {
		n.str(1, s)
	}
	for _, s := range out {
		n.str(2, s)
	}
	n.str(4, op)
	for _, a := range attrs {
		n.bytes(5, a.encode())
	}
	return n
}

// valueInfo encodes a float32 graph input or output of a fixed shape.
func valueInfo(name string, dims []int64) msg {
	var shape msg
	for _, d := range dims {
		var dim msg
		dim.int(1, d)
		shape.bytes(1, dim)
	}
	var tensor msg
	tensor.int(1, onnxFloat)
	tensor.bytes(2, shape)
	var typ msg
	typ.bytes(1, tensor)
	var v msg
	v.str(1, name)
	v.bytes(2, typ)
	return v
}
