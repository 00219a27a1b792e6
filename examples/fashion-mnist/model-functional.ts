// The same classifier with the Functional API, as the notebook's second half:
//
//   input_layer = tf.keras.layers.Input(shape=(28, 28))
//   x = tf.keras.layers.Flatten()(input_layer)
//   x = tf.keras.layers.Dense(128, activation="relu")(x)
//   output = tf.keras.layers.Dense(10, activation="softmax")(x)
//   func_model = tf.keras.models.Model(inputs=input_layer, outputs=output)
import { input, layers, model } from 'nnc';

const inputLayer = input({ shape: [28, 28] });
let x = layers.flatten().apply(inputLayer);
x = layers.dense({ units: 128, activation: 'relu' }).apply(x);
const output = layers.dense({ units: 10, activation: 'softmax' }).apply(x);

const funcModel = model({ inputs: inputLayer, outputs: output });

funcModel.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

export const training = { dataset: 'fashion-mnist', epochs: 5, batchSize: 32 } as const;

export default funcModel;
