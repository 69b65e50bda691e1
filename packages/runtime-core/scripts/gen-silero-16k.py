#!/usr/bin/env python3
"""Writes models/silero_vad_v5_16k.onnx: the 16 kHz branch of silero_vad_v5.onnx, same weights, with
every layer expressed as ONE MatMul over all rows of a batch.

Why: onnxruntime runs a Conv one batch row at a time (im2col + GEMM per row), and Silero's convolutions
see only 4 time steps per row, so a batched run still does B tiny GEMMs. Here the STFT is a MatMul of
framed (and symmetry-folded) audio by the DFT basis, each conv a MatMul of its im2col columns, and the
one-step LSTM a MatMul of [x, h]: a [32, 576] run costs ~0.25x the shipped graph, results within 1e-5 (see
test/audio/silero-16k-graph.test.ts). The graph has no `sr` input and no `If`.

Usage: python3 gen-silero-16k.py <silero_vad_v5.onnx> <out.onnx>   (needs the onnx package: Debian's
python3-onnx). scripts/check-generated.mjs regenerates it and compares it byte for byte.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

src = onnx.load(sys.argv[1])
branch = next(a.g for n in src.graph.node if n.op_type == 'If' for a in n.attribute if a.name == 'then_branch')
prefix = 'If_0_then_branch__Inline_0__'
weights = {
    n.output[0].removeprefix(prefix): numpy_helper.to_array(n.attribute[0].t) for n in branch.node if n.op_type == 'Constant'
}
w = lambda name: weights[name].astype(np.float32)

initializers, nodes = [], []


def const(name, value, dtype=np.float32):
    initializers.append(numpy_helper.from_array(np.ascontiguousarray(np.asarray(value, dtype=dtype)), name))
    return name


def ints(name, *values):
    return const(name, list(values), np.int64)


def op(kind, inputs, output, **attrs):
    nodes.append(helper.make_node(kind, inputs, output if isinstance(output, list) else [output], **attrs))
    return output


def conv_columns(weight):
    """[Cout, Cin, K] -> [(K, Cin), Cout], rows tap-major to match the im2col Concat order below."""
    return weight.transpose(2, 1, 0).reshape(-1, weight.shape[0])


def dense(x, name, matrix, bias):
    return op('Relu', [op('Add', [op('MatMul', [x, const(f'{name}.w', matrix)], f'{name}.mm'), const(f'{name}.b', bias)], f'{name}.lin')], name)


def rows(x, start, end, axis, name):
    return op('Slice', [x, ints(f'{name}.start', start), ints(f'{name}.end', end), ints(f'{name}.axis', axis)], name)


# STFT: reflect-pad 64 on the right (640 samples), 4 frames of 256 at hop 128 (halves of the 128-sample
# blocks 0-3 and 1-4), times the real and imaginary rows of the DFT basis; magnitude of 129 bins.
padded = op('Pad', ['input', ints('stft.pads', 0, 0, 0, 64)], 'stft.padded', mode='reflect')
blocks = ints('stft.blocks', -1, 4, 128)
first = op('Reshape', [rows(padded, 0, 512, 1, 'stft.first_halves'), blocks], 'stft.first')
second = op('Reshape', [rows(padded, 128, 640, 1, 'stft.second_halves'), blocks], 'stft.second')
frames = op('Concat', [first, second], 'stft.frames', axis=2)  # [B, 4, 256]
basis = w('stft.forward_basis_buffer')[:, 0, :]  # [258, 256]: rows 0-128 w[t]cos, 129-257 -w[t]sin
# The basis is symmetric about t = 128 (cosine rows even, sine rows odd, exactly in the shipped floats; w[0] = 0),
# so fold each frame first: x[t] + x[256-t] against the cosines, x[t] - x[256-t] against the sines, half
# the multiplies of the [256, 258] product (0.87-0.9x onnxruntime's time per window at batch 32).
assert np.array_equal(basis[:129, 1:128], basis[:129, 255:128:-1]) and np.array_equal(basis[129:, 1:128], -basis[129:, 255:128:-1])
assert not basis[:, 0].any()
first_half = rows(frames, 1, 128, 2, 'stft.t1_127')  # [B, 4, 127]
mirrored = op('Slice', [frames, ints('stft.rev.start', 255), ints('stft.rev.end', 128), ints('stft.rev.axis', 2), ints('stft.rev.step', -1)], 'stft.t255_129')
middle = rows(frames, 128, 129, 2, 'stft.t128')
sums = op('Concat', [op('Add', [first_half, mirrored], 'stft.pair_sums'), middle], 'stft.sums', axis=2)  # [B, 4, 128]
diffs = op('Sub', [first_half, mirrored], 'stft.pair_diffs')  # [B, 4, 127]
real = op('MatMul', [sums, const('stft.cos', basis[:129, 1:129].T)], 'stft.real')
imag = op('MatMul', [diffs, const('stft.sin', basis[129:, 1:128].T)], 'stft.imag')
power = op('Add', [op('Mul', [real, real], 'stft.real2'), op('Mul', [imag, imag], 'stft.imag2')], 'stft.power')
magnitude = op('Sqrt', [power], 'stft.magnitude')  # [B, 4 steps, 129]

# encoder.0: kernel 3, padding 1, stride 1 (4 -> 4 steps): columns are steps t-1, t, t+1.
e0_in = op('Pad', [magnitude, ints('encoder.0.pads', 0, 1, 0, 0, 1, 0)], 'encoder.0.padded')  # [B, 6, 129]
e0_cols = op('Concat', [rows(e0_in, k, k + 4, 1, f'encoder.0.tap{k}') for k in range(3)], 'encoder.0.columns', axis=2)
e0 = dense(e0_cols, 'encoder.0', conv_columns(w('encoder.0.reparam_conv.weight')), w('encoder.0.reparam_conv.bias'))  # [B, 4, 128]
# encoder.1: kernel 3, padding 1, stride 2 (4 -> 2 steps): step 0 reads -1..1, step 1 reads 1..3.
e1_in = op('Pad', [e0, ints('encoder.1.pads', 0, 1, 0, 0, 0, 0)], 'encoder.1.padded')  # [B, 5, 128]: index = step + 1
step_cols = ints('encoder.1.step_shape', -1, 1, 384)
e1_cols = op(
    'Concat',
    [op('Reshape', [rows(e1_in, 2 * t, 2 * t + 3, 1, f'encoder.1.step{t}'), step_cols], f'encoder.1.cols{t}') for t in range(2)],
    'encoder.1.columns',
    axis=1,
)
e1 = dense(e1_cols, 'encoder.1', conv_columns(w('encoder.1.reparam_conv.weight')), w('encoder.1.reparam_conv.bias'))  # [B, 2, 64]
# encoder.2: kernel 3, padding 1, stride 2 (2 -> 1 step): taps 1 and 2 read steps 0 and 1, tap 0 padding.
e2_cols = op('Reshape', [e1, ints('encoder.2.shape', -1, 128)], 'encoder.2.columns')
e2 = dense(e2_cols, 'encoder.2', conv_columns(w('encoder.2.reparam_conv.weight'))[64:], w('encoder.2.reparam_conv.bias'))  # [B, 64]
# encoder.3: kernel 3, padding 1, stride 1 on one step: only the centre tap reads data.
e3 = dense(e2, 'encoder.3', w('encoder.3.reparam_conv.weight')[:, :, 1].T, w('encoder.3.reparam_conv.bias'))  # [B, 128]

# decoder.rnn: one LSTM step, gates = [x, h] [W_ih; W_hh]^T + b_ih + b_hh in PyTorch order i, f, g, o.
h = op('Squeeze', [rows('state', 0, 1, 0, 'rnn.h_slice'), ints('rnn.axis0', 0)], 'rnn.h')
c = op('Squeeze', [rows('state', 1, 2, 0, 'rnn.c_slice'), 'rnn.axis0'], 'rnn.c')
xh = op('Concat', [e3, h], 'rnn.xh', axis=1)  # [B, 256]
gate_weights = np.concatenate([w('decoder.rnn.weight_ih'), w('decoder.rnn.weight_hh')], axis=1).T
gates = op('Add', [op('MatMul', [xh, const('rnn.w', gate_weights)], 'rnn.mm'), const('rnn.b', w('decoder.rnn.bias_ih') + w('decoder.rnn.bias_hh'))], 'rnn.gates')
op('Split', [gates, ints('rnn.split', 128, 128, 128, 128)], ['rnn.i', 'rnn.f', 'rnn.g', 'rnn.o'], axis=1)
sig = lambda name: op('Sigmoid', [f'rnn.{name}'], f'rnn.sigmoid_{name}')
c_next = op('Add', [op('Mul', [sig('f'), c], 'rnn.fc'), op('Mul', [sig('i'), op('Tanh', ['rnn.g'], 'rnn.tanh_g')], 'rnn.ig')], 'rnn.c_next')
h_next = op('Mul', [sig('o'), op('Tanh', [c_next], 'rnn.tanh_c')], 'rnn.h_next')
op('Concat', [op('Unsqueeze', [h_next, 'rnn.axis0'], 'rnn.h_out'), op('Unsqueeze', [c_next, 'rnn.axis0'], 'rnn.c_out')], 'stateN', axis=0)

# decoder.decoder: ReLU, 1x1 conv to one channel, sigmoid (the mean over the single step is the step).
logit = op('MatMul', [op('Relu', [h_next], 'decoder.relu'), const('decoder.w', w('decoder.decoder.2.weight')[:, :, 0].T)], 'decoder.mm')
op('Sigmoid', [op('Add', [logit, const('decoder.b', w('decoder.decoder.2.bias'))], 'decoder.logit')], 'output')

batch = 'batch'
graph = helper.make_graph(
    nodes,
    'silero_vad_v5_16k',
    [helper.make_tensor_value_info('input', TensorProto.FLOAT, [batch, 576]), helper.make_tensor_value_info('state', TensorProto.FLOAT, [2, batch, 128])],
    [helper.make_tensor_value_info('output', TensorProto.FLOAT, [batch, 1]), helper.make_tensor_value_info('stateN', TensorProto.FLOAT, [2, batch, 128])],
    initializers,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='remotemedia gen-silero-16k.py')
model.ir_version = 8
model.doc_string = 'GENERATED by packages/runtime-core/scripts/gen-silero-16k.py from silero_vad_v5.onnx (MIT, see LICENSE-silero-vad); do not edit.'
onnx.checker.check_model(model, full_check=True)
onnx.save(model, sys.argv[2])
