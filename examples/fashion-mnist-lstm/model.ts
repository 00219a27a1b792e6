// A recurrent Fashion-MNIST classifier, Sequential API: each image read as a sequence of 28 rows
// of 28 pixels by an LSTM, its last state classified by a softmax layer. The Keras original:
//
//   model = tf.keras.Sequential([
//       tf.keras.layers.LSTM(128, input_shape=(28, 28)),
//       tf.keras.layers.Dense(10, activation="softmax")])
//   model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//   model.fit(train_images, train_labels, epochs=3, batch_size=32)
//
// (tfjs-layers' LSTM gates default to hardSigmoid, Keras 2.3+'s to sigmoid; nnc follows tfjs.)
import { layers, sequential } from 'nnc';

const model = sequential({
  layers: [
    layers.lstm({ inputShape: [28, 28], units: 128 }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ],
});

model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

/** How `nnc build` fits the weights: Fashion-MNIST's [28, 28] images are the 28 steps of 28 features. */
export const training = { dataset: 'fashion-mnist', epochs: 3, batchSize: 32 } as const;

export default model;
