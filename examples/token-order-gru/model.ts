// A text-style classifier on integer token ids, Sequential API: each example is 12 token ids; an
// Embedding turns them into vectors, a GRU reads them in order, a softmax layer classifies its
// last state. The task is made up and generated below (no download): every sequence holds the
// marker tokens 1 and 2 once each among filler ids 3..19, and its class is whether 1 comes before
// 2, which a bag of words cannot tell and a recurrent layer can. The Keras original:
//
//   model = tf.keras.Sequential([
//       tf.keras.layers.Embedding(20, 8, input_length=12),
//       tf.keras.layers.GRU(16),
//       tf.keras.layers.Dense(2, activation="softmax")])
//   model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//   model.fit(x_train, y_train, epochs=8, batch_size=32, validation_data=(x_test, y_test))
import { layers, sequential } from 'nnc';

const VOCAB = 20;
const STEPS = 12;

const model = sequential({
  layers: [
    // Sequential makes an int32 input for an Embedding: predict takes an Int32Array of ids.
    layers.embedding({ inputDim: VOCAB, outputDim: 8, inputLength: STEPS }),
    layers.gru({ units: 16 }),
    layers.dense({ units: 2, activation: 'softmax' }),
  ],
});

model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

/** `count` sequences and labels from a fixed seed (a 32-bit LCG), the same on every build. */
function tokenOrder(count: number, seed: number): { x: number[][]; y: number[] } {
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < count; i++) {
    const ids = Array.from({ length: STEPS }, () => 3 + next(VOCAB - 3));
    const first = next(STEPS);
    let second = next(STEPS - 1);
    if (second >= first) second++;
    ids[first] = 1;
    ids[second] = 2;
    x.push(ids);
    y.push(first < second ? 1 : 0);
  }
  return { x, y };
}

/** How `nnc build` fits the weights: 4,000 generated sequences, tested on 1,000 others. */
export const training = { data: { train: tokenOrder(4000, 1), test: tokenOrder(1000, 2) }, epochs: 8, batchSize: 32 };

export default model;
