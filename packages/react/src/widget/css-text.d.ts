// The stylesheet, imported as text by the widget's bundle (esbuild's `text` loader).
declare module "*.css" {
  const text: string;
  export default text;
}
