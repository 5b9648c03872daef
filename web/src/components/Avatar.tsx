/** A user's picture, or their initial when they have none (nothing is fetched for a missing image). */
export function Avatar({ image, name, small }: { image: string | null | undefined; name: string; small?: boolean }) {
  const className = small ? 'avatar small' : 'avatar';
  if (image) return <img className={className} src={image} alt="" />;
  return <span className={className} aria-hidden="true">{name.slice(0, 1).toUpperCase()}</span>;
}
