import { layers, sequential } from 'nnc';
export default sequential({ layers: [layers.lstm({ inputShape: [3, 8], units: 16 }), layers.dense({ units: 4, activation: 'softmax' })] });
