/** conv2d forward against tfjs, every backend, batch 1, 7 and 64 (test/helpers/model-golden.ts). */
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { CONV_CASES } from './conv2d-models.js';

describeTfjsGolden('conv2d: $name', CONV_CASES);
