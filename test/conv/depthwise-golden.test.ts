/** depthwise_conv2d and SeparableConv2D forward against tfjs, every backend, batch 1, 7 and 64 (test/helpers/model-golden.ts). */
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { DEPTHWISE_CASES } from './depthwise-models.js';

describeTfjsGolden('$name', DEPTHWISE_CASES);
