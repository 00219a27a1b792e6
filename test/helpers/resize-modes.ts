/** The (mode, coordinateMode, nearestMode) triples of resize2d that tfjs' resize ops compute, in the order tfjs' attribute pairs give them. */
export const RESIZE_MODES: readonly (readonly [mode: string, coordinateMode: string, nearestMode: string])[] = [
  ['nearest', 'asymmetric', 'floor'],
  ['nearest', 'align_corners', 'round_prefer_ceil'],
  ['nearest', 'tf_half_pixel_for_nn', 'floor'],
  ['bilinear', 'asymmetric', 'floor'],
  ['bilinear', 'align_corners', 'floor'],
  ['bilinear', 'half_pixel', 'floor'],
];
