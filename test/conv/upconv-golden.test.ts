/** conv2dTranspose, upSampling2d and upSampling1d against tfjs, every backend, batch 1, 7 and 64 (test/helpers/model-golden.ts). */
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { UPCONV_CASES } from './upconv-models.js';

describeTfjsGolden('$name', UPCONV_CASES);
