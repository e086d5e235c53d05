/** What a text renderer needs to know of the terminal: colour, width, and whether `-o wide` was asked for. */
export interface RenderEnv {
  color: boolean;
  width: number;
  wide: boolean;
}
