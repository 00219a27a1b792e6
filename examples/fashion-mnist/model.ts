// The Keras notebook's Fashion-MNIST classifier, Sequential API.
//
//   seq_model = tf.keras.Sequential([
//       tf.keras.layers.Flatten(input_shape=(28, 28)),
//       tf.keras.layers.Dense(128, activation="relu"),
//       tf.keras.layers.Dense(10, activation="softmax")])
//   seq_model.compile(optimizer=tf.optimizers.Adam(), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
//   seq_model.fit(train_data, train_labels, epochs=5)
import { layers, sequential } from 'nnc';

const model = sequential({
  layers: [
    layers.flatten({ inputShape: [28, 28] }),
    layers.dense({ units: 128, activation: 'relu' }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ],
});

model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

/** How `nnc build` fits the weights: the notebook's recipe on Fashion-MNIST (pixels scaled to [0, 1]). */
export const training = { dataset: 'fashion-mnist', epochs: 5, batchSize: 32 } as const;

export default model;
