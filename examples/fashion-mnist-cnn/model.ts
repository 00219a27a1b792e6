// A convolutional Fashion-MNIST classifier, Sequential API: two 3×3 convolutions with 2×2 max
// pooling, then dropout and a softmax layer. The Keras original:
//
//   model = tf.keras.Sequential([
//       tf.keras.layers.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
//       tf.keras.layers.MaxPooling2D(2),
//       tf.keras.layers.Conv2D(64, 3, activation="relu"),
//       tf.keras.layers.MaxPooling2D(2),
//       tf.keras.layers.Flatten(),
//       tf.keras.layers.Dropout(0.25),
//       tf.keras.layers.Dense(10, activation="softmax")])
//   model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//   model.fit(train_images.reshape(-1, 28, 28, 1), train_labels, epochs=5)
import { layers, sequential } from 'nnc';

const model = sequential({
  layers: [
    layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.flatten(),
    layers.dropout({ rate: 0.25 }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ],
});

model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

/** How `nnc build` fits the weights: Fashion-MNIST's [28, 28] images reach the model as [28, 28, 1]. */
export const training = { dataset: 'fashion-mnist', epochs: 5, batchSize: 32 } as const;

export default model;
