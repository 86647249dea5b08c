declare module 'linebreak' {
  interface Break {
    /** Index (UTF-16) where the next line may start. */
    position: number;
    /** A mandatory break (after a line separator). */
    required: boolean;
  }
  export default class LineBreaker {
    constructor(text: string);
    nextBreak(): Break | null;
  }
}
